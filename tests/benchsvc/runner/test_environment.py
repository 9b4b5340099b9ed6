import subprocess

from benchsvc.domain import Machine
from benchsvc.runner.environment import current_commit, current_machine, current_software
from tests.support.documents import MACHINE, a_result


def test_the_current_machine_is_described_with_its_cpu_cores_and_memory():
    machine = current_machine()

    assert machine.cores >= 1
    assert machine.memory_bytes > 0
    assert machine.cpu_model
    assert set(machine.cpu_flags) <= {flag for flag in machine.cpu_flags if flag.islower()}


def test_software_versions_of_the_stack_are_recorded():
    software = current_software()

    assert software.torch.startswith("2.14")
    assert software.torchvision.startswith("0.29")
    assert software.tvm is not None and software.tvm.startswith("0.27")


def test_the_fingerprint_is_stable_and_ignores_flag_order():
    reordered = MACHINE.model_copy(update={"cpu_flags": list(reversed(MACHINE.cpu_flags))})

    assert MACHINE.fingerprint == reordered.fingerprint
    assert len(MACHINE.fingerprint) == 16


def test_another_cpu_is_another_machine():
    other = MACHINE.model_copy(update={"cpu_model": "Intel Xeon 8480"})

    assert other.fingerprint != MACHINE.fingerprint


def test_a_few_mebibytes_of_memory_do_not_split_a_machine():
    slightly_less = MACHINE.model_copy(update={"memory_bytes": MACHINE.memory_bytes - 50 * 2**20})

    assert slightly_less.fingerprint == MACHINE.fingerprint


def test_history_key_separates_backends_and_thread_counts_but_not_measurements():
    jit, tvm = a_result("jit"), a_result("tvm")
    jit_again = a_result("jit", samples=[50.0, 51.0])
    jit_one_thread = a_result("jit", threads=1)

    assert jit.history_key(MACHINE) == jit_again.history_key(MACHINE)
    assert jit.history_key(MACHINE) != tvm.history_key(MACHINE)
    assert jit.history_key(MACHINE) != jit_one_thread.history_key(MACHINE)


def test_history_key_depends_on_the_machine():
    other = Machine(**{**MACHINE.model_dump(), "hostname": "bench-02"})

    assert a_result().history_key(MACHINE) != a_result().history_key(other)


def test_the_commit_under_test_is_read_from_a_git_checkout(tmp_path):
    subprocess.run(["git", "init", "-q", "-b", "feature"], cwd=tmp_path, check=True)
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "x"],
        cwd=tmp_path, check=True,
    )

    commit = current_commit(tmp_path)

    assert commit is not None and len(commit.sha) == 40
    assert commit.branch == "feature"


def test_outside_a_checkout_there_is_no_commit(tmp_path):
    assert current_commit(tmp_path) is None
