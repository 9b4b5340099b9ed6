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
from benchsvc.scheduling.suite import Measurement

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


def measure_in_child(measurement: Measurement) -> Result:
    """The child's Result, or a failed Result saying how the child died."""
    with tempfile.TemporaryDirectory(prefix="benchsvc-measure-") as scratch:
        output = Path(scratch) / "result.json"
        outcome = run_child([*CHILD, str(output)], measurement.model_dump_json(), measurement.timeout_seconds)
        if outcome.returncode == 0 and output.is_file():
            try:
                return Result.model_validate_json(output.read_text())
            except ValidationError as exc:
                return failed(measurement, f"measurement process wrote an unreadable result: {exc}")
        return failed(measurement, describe(outcome, measurement.timeout_seconds))
