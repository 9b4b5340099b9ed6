"""The measuring process: a MeasurementGroup as JSON on stdin, its Results as a JSON list in the
file named by argv[1]."""

from __future__ import annotations

import sys
from pathlib import Path

from benchsvc.models import InputShape
from benchsvc.runner import Case, TimingPlan, run_case
from benchsvc.scheduling.suite import RESULTS, MeasurementGroup


def main(output: Path) -> None:
    group = MeasurementGroup.model_validate_json(sys.stdin.read())
    first = group.measurements[0]
    case = Case(
        model=first.model,
        backends=list(dict.fromkeys(measurement.backend for measurement in group.measurements)),
        threads=list(dict.fromkeys(measurement.threads for measurement in group.measurements)),
        shape=InputShape(batch_size=first.batch_size, image_size=first.image_size),
    )
    plan = TimingPlan(
        warmup=first.warmup,
        repeat=first.repeat,
        min_sample_seconds=first.min_sample_time,
        calls_per_sample=first.iterations,
    )
    results = run_case(case, plan)
    partial = output.with_suffix(".partial")
    partial.write_bytes(RESULTS.dump_json(results))
    # Renamed only when complete: a child killed mid-write leaves no result that looks whole.
    partial.replace(output)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
