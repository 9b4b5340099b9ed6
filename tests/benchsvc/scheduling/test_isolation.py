"""Each measurement runs in a child process; how that process ends decides the result."""

import sys

from benchsvc.domain import Status
from benchsvc.scheduling import Suite, run_suite
from benchsvc.scheduling.isolation import describe, run_child


def test_a_child_that_crashes_is_described_by_its_signal():
    segfault = [sys.executable, "-c", "import ctypes; ctypes.string_at(0)"]

    outcome = run_child(segfault, stdin="", timeout=30)

    assert describe(outcome, 30) == "measurement process crashed with SIGSEGV"


def test_a_child_that_fails_is_described_by_its_status_and_last_words():
    failing = [sys.executable, "-c", "import sys; sys.exit('model weights are corrupt')"]

    outcome = run_child(failing, stdin="", timeout=30)

    assert describe(outcome, 30) == "measurement process exited with status 1: model weights are corrupt"


def test_a_child_past_its_time_is_killed_with_everything_it_started():
    sleeper = [sys.executable, "-c", "import subprocess, sys; subprocess.run([sys.executable, '-c', 'import time; time.sleep(60)'])"]

    outcome = run_child(sleeper, stdin="", timeout=1)

    assert outcome.timed_out
    assert describe(outcome, 1) == "timed out after 1 s; the measurement process was killed"


def test_a_measurement_that_dies_is_recorded_as_failed_and_the_suite_goes_on():
    # jit gets no time at all, so its process is killed; eager after it must still be measured.
    suite = Suite(
        models=["resnet18"], backends=["jit", "eager"], threads=[1], image_size=32, repeat=2, warmup=0,
        iterations=1, backend_timeouts={"jit": 0.01},
    )

    document = run_suite(suite, trigger="test")

    jit, eager = document.results
    assert (jit.backend, jit.status) == ("jit", Status.FAILED)
    assert jit.error == "timed out after 0.01 s; the measurement process was killed"
    assert (eager.backend, eager.status, len(eager.samples)) == ("eager", Status.OK, 2)
    assert document.tags["trigger"] == "test"
