"""Each measurement runs in a child process; how that process ends decides the result."""

import sys

from benchsvc.domain import Status
from benchsvc.scheduling import Suite, run_suite
from benchsvc.scheduling import isolation
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


def test_a_measurement_that_dies_is_recorded_as_failed():
    # jit gets no time at all, so its process is killed before it measures anything.
    suite = Suite(
        models=["resnet18"], backends=["jit"], threads=[1], image_size=32, repeat=2, warmup=0,
        iterations=1, backend_timeouts={"jit": 0.01},
    )

    document = run_suite(suite, trigger="test")

    [jit] = document.results
    assert (jit.backend, jit.status) == ("jit", Status.FAILED)
    assert jit.error == "timed out after 0.01 s; the measurement process was killed"
    assert document.tags["trigger"] == "test"


def test_backends_of_one_model_and_thread_count_are_timed_together_and_paired():
    suite = Suite(models=["resnet18"], backends=["jit", "eager"], threads=[1], image_size=32, repeat=3, warmup=0, iterations=1)

    jit, eager = run_suite(suite, trigger="test").results

    assert (jit.status, eager.status) == (Status.OK, Status.OK)
    assert eager.ratio_to_jit is not None


def test_thread_counts_of_one_model_are_timed_together_and_each_backend_scales_from_the_fewest():
    suite = Suite(models=["resnet18"], backends=["eager"], threads=[1, 2], image_size=32, repeat=3, warmup=0, iterations=1)

    one, two = run_suite(suite, trigger="test").results

    assert (one.threads, two.threads) == (1, 2)
    assert one.scaling is None
    assert two.scaling is not None and two.scaling.threads == 1


def test_when_a_backend_kills_the_shared_process_the_others_are_measured_alone(tmp_path, monkeypatch):
    # A child that segfaults whenever jit is among its backends, and measures normally otherwise.
    crashing_child = tmp_path / "crashing_child.py"
    crashing_child.write_text(
        "import ctypes, io, json, sys\n"
        "from benchsvc.scheduling import child\n"
        "data = sys.stdin.read()\n"
        "if any(m['backend'] == 'jit' for m in json.loads(data)['measurements']):\n"
        "    ctypes.string_at(0)\n"
        "sys.stdin = io.StringIO(data)\n"
        "child.main(__import__('pathlib').Path(sys.argv[1]))\n"
    )
    monkeypatch.setattr(isolation, "CHILD", [sys.executable, str(crashing_child)])
    suite = Suite(models=["resnet18"], backends=["jit", "eager"], threads=[1], image_size=32, repeat=2, warmup=0, iterations=1)

    jit, eager = run_suite(suite, trigger="test").results

    assert jit.status is Status.FAILED and "crashed with SIGSEGV" in (jit.error or "")
    assert (eager.status, len(eager.samples)) == (Status.OK, 2)
