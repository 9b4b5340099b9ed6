import pytest

from benchsvc.domain import Interference
from benchsvc.runner.interference import InterferenceMeter, host_ticks, is_noisy


def test_steal_and_total_ticks_are_read_from_proc_stat(tmp_path):
    stat = tmp_path / "stat"
    stat.write_text("cpu  100 0 50 800 10 0 5 35 0 0\ncpu0 50 0 25 400 5 0 2 18 0 0\n")

    assert host_ticks(stat) == (35, 1000)


def test_an_unreadable_proc_stat_gives_no_steal_figure(tmp_path):
    assert host_ticks(tmp_path / "missing") is None


def test_a_result_that_had_its_cores_is_not_noisy():
    assert not is_noisy(Interference(cpu_share=0.98, steal_fraction=0.0))


def test_a_result_whose_threads_waited_for_a_core_is_noisy():
    assert is_noisy(Interference(cpu_share=0.55, steal_fraction=None))


def test_a_result_timed_while_the_hypervisor_stole_time_is_noisy():
    assert is_noisy(Interference(cpu_share=1.0, steal_fraction=0.2))


def test_cpu_share_is_the_cpu_time_over_the_capacity_of_the_timed_threads():
    meter = InterferenceMeter(threads=2)

    meter.start()
    sum(i * i for i in range(200_000))
    meter.stop()

    assert meter.cpu_seconds > 0
    assert meter.interference().cpu_share == pytest.approx(meter.cpu_seconds / (2 * meter.wall_seconds))
