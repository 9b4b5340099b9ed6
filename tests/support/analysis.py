"""Waiting for the analysis queue, which works after the API has answered."""

from __future__ import annotations

import time

from benchsvc.storage import make_engine, transaction
from benchsvc.storage.jobs import JobState, count_jobs


def analysis_settled(database_url: str, timeout: float = 60.0) -> dict[JobState, int]:
    """Wait until no job is pending; the counts of jobs by state."""
    engine = make_engine(database_url)
    deadline = time.monotonic() + timeout
    try:
        while True:
            with transaction(engine) as session:
                counts = count_jobs(session)
            if not counts.get(JobState.PENDING) or time.monotonic() > deadline:
                return counts
            time.sleep(0.1)
    finally:
        engine.dispose()
