"""The analysis worker runs beside the requests without holding them up."""

from __future__ import annotations

import sys

from benchsvc.config import Settings
from benchsvc.ingest import AnalysisWorker
from benchsvc.ingest.worker import GIL_SWITCH_SECONDS
from benchsvc.storage import make_engine


def test_given_a_started_worker_then_a_request_waits_at_most_half_a_millisecond_for_the_interpreter(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'bench.sqlite3'}")
    worker = AnalysisWorker(engine, Settings())
    previous = sys.getswitchinterval()
    try:
        worker.start()

        assert sys.getswitchinterval() == GIL_SWITCH_SECONDS <= 0.0005
    finally:
        worker.stop()
        sys.setswitchinterval(previous)
        engine.dispose()
