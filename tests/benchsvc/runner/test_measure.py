import pytest

from benchsvc.runner.measure import TimingPlan, calibrate, measure


class FakeClock:
    """A clock that advances by a fixed cost per call of the measured function."""

    def __init__(self, seconds_per_call: float) -> None:
        self.now = 0.0
        self.seconds_per_call = seconds_per_call
        self.calls = 0

    def __call__(self) -> float:
        return self.now

    def work(self) -> None:
        self.calls += 1
        self.now += self.seconds_per_call


def test_calibration_finds_enough_calls_for_a_sample_to_last_the_minimum_time():
    clock = FakeClock(seconds_per_call=0.003)

    calls = calibrate(clock.work, min_seconds=0.2, clock=clock)

    assert calls * 0.003 >= 0.2
    assert calls * 0.003 < 0.2 * 2.5


def test_a_slow_call_needs_no_repetition():
    clock = FakeClock(seconds_per_call=1.0)

    assert calibrate(clock.work, min_seconds=0.2, clock=clock) == 1


def test_measure_warms_up_then_keeps_every_raw_sample_as_a_rate():
    clock = FakeClock(seconds_per_call=0.01)
    plan = TimingPlan(warmup=2, repeat=5, calls_per_sample=10)

    timing = measure(clock.work, plan, clock=clock)

    assert timing.samples == pytest.approx([100.0] * 5)
    assert timing.calls_per_sample == 10
    assert clock.calls == 2 + 5 * 10


def test_measure_calibrates_when_no_call_count_is_given():
    clock = FakeClock(seconds_per_call=0.01)

    timing = measure(clock.work, TimingPlan(warmup=0, repeat=3, min_sample_seconds=0.1), clock=clock)

    assert timing.calls_per_sample >= 10
    assert len(timing.samples) == 3


@pytest.mark.parametrize("kwargs", [{"warmup": -1}, {"repeat": 0}, {"min_sample_seconds": 0}, {"calls_per_sample": 0}])
def test_impossible_plans_are_refused(kwargs):
    with pytest.raises(ValueError):
        TimingPlan(**kwargs)
