"""Each measurement in a child process, so that a model crashing the interpreter costs one result."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from benchsvc.domain import Result, Status
from benchsvc.scheduling.suite import RESULTS, Measurement, MeasurementGroup

CHILD = [sys.executable, "-m", "benchsvc.scheduling.child"]
STDERR_TAIL = 2000


@dataclass(frozen=True)
class ChildOutcome:
    returncode: int | None
    stderr: str
    timed_out: bool


def run_child(command: list[str], stdin: str, timeout: float) -> ChildOutcome:
    # A session of its own, so a timeout kills the child's helpers too (TVM's compile workers).
    process = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        text=True, start_new_session=True,
    )
    try:
        _, stderr = process.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        _, stderr = process.communicate()
        return ChildOutcome(returncode=None, stderr=stderr, timed_out=True)
    return ChildOutcome(returncode=process.returncode, stderr=stderr, timed_out=False)


def describe(outcome: ChildOutcome, timeout: float) -> str:
    if outcome.timed_out:
        return f"timed out after {timeout:g} s; the measurement process was killed"
    code = outcome.returncode or 0
    if code < 0:
        cause = f"crashed with {signal.Signals(-code).name}"
    else:
        cause = f"exited with status {code}"
    last_line = next((line for line in reversed(outcome.stderr.strip().splitlines()) if line.strip()), "")
    return f"measurement process {cause}" + (f": {last_line[:STDERR_TAIL]}" if last_line else "")


def failed(measurement: Measurement, error: str) -> Result:
    return Result(
        model=measurement.model, backend=measurement.backend, batch_size=measurement.batch_size,
        image_size=measurement.image_size, threads=measurement.threads, status=Status.FAILED,
        error=error[:4000],
    )


def measure_in_child(group: MeasurementGroup) -> list[Result]:
    """The child's Results, one per measurement of the group.

    When the child dies, each backend is measured again in a child of its own, so that a backend
    that crashes the interpreter costs only its own result (those lose their pairing with jit).
    """
    outcome = run_group(group)
    if isinstance(outcome, list):
        return outcome
    if len(group.measurements) == 1:
        return [failed(group.measurements[0], outcome)]
    results = []
    for measurement in group.measurements:
        alone = run_group(MeasurementGroup(measurements=[measurement]))
        results += alone if isinstance(alone, list) else [failed(measurement, alone)]
    return results


def run_group(group: MeasurementGroup) -> list[Result] | str:
    """The group's Results, or why the child gave none."""
    with tempfile.TemporaryDirectory(prefix="benchsvc-measure-") as scratch:
        output = Path(scratch) / "results.json"
        outcome = run_child([*CHILD, str(output)], group.model_dump_json(), group.timeout_seconds)
        if outcome.returncode == 0 and output.is_file():
            try:
                results = RESULTS.validate_json(output.read_text())
            except ValidationError as exc:
                return f"measurement process wrote unreadable results: {exc}"
            if [(r.backend, r.threads) for r in results] == [(m.backend, m.threads) for m in group.measurements]:
                return results
            return "measurement process wrote results for other backends or thread counts than it was given"
        return describe(outcome, group.timeout_seconds)
