"""The measuring process: a Measurement as JSON on stdin, its Result as JSON in the file named by argv[1]."""

from __future__ import annotations

import sys
from pathlib import Path

from benchsvc.models import InputShape
from benchsvc.runner import Case, TimingPlan, run_case
from benchsvc.scheduling.suite import Measurement


def main(output: Path) -> None:
    measurement = Measurement.model_validate_json(sys.stdin.read())
    case = Case(
        model=measurement.model,
        backends=[measurement.backend],
        threads=[measurement.threads],
        shape=InputShape(batch_size=measurement.batch_size, image_size=measurement.image_size),
    )
    plan = TimingPlan(
        warmup=measurement.warmup,
        repeat=measurement.repeat,
        min_sample_seconds=measurement.min_sample_time,
        calls_per_sample=measurement.iterations,
    )
    [result] = run_case(case, plan)
    partial = output.with_suffix(".partial")
    partial.write_text(result.model_dump_json())
    # Renamed only when complete: a child killed mid-write leaves no result that looks whole.
    partial.replace(output)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
