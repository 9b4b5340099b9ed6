import pytest

from benchsvc.runner.measure import TimingPlan, calibrate, measure_in_rounds, rotation


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


def test_each_backend_warms_up_then_keeps_every_raw_sample_as_a_rate():
    clock = FakeClock(seconds_per_call=0.01)
    plan = TimingPlan(warmup=2, repeat=5, calls_per_sample=10)

    timings = measure_in_rounds({"jit": clock.work, "tvm": clock.work}, plan, threads=1, clock=clock)

    assert timings["jit"].samples == pytest.approx([100.0] * 5)
    assert timings["tvm"].calls_per_sample == 10
    assert clock.calls == 2 * (2 + 5 * 10)


def test_calibration_happens_per_backend_when_no_call_count_is_given():
    fast, slow = FakeClock(seconds_per_call=0.001), FakeClock(seconds_per_call=0.01)
    shared = FakeClock(seconds_per_call=0.0)

    def call_fast() -> None:
        fast.work()
        shared.now += 0.001

    def call_slow() -> None:
        slow.work()
        shared.now += 0.01

    timings = measure_in_rounds(
        {"fast": call_fast, "slow": call_slow},
        TimingPlan(warmup=0, repeat=3, min_sample_seconds=0.1),
        threads=1,
        clock=shared,
    )

    assert timings["fast"].calls_per_sample >= 100
    assert 10 <= timings["slow"].calls_per_sample < 100
    assert len(timings["fast"].samples) == len(timings["slow"].samples) == 3


def test_rounds_take_one_sample_of_every_backend_in_an_order_that_rotates():
    order: list[str] = []
    calls = {name: (lambda name=name: order.append(name)) for name in ("jit", "tvm", "eager")}

    measure_in_rounds(calls, TimingPlan(warmup=0, repeat=3, calls_per_sample=1), threads=1)

    assert order == ["jit", "tvm", "eager", "tvm", "eager", "jit", "eager", "jit", "tvm"]


def test_a_backend_that_raises_while_timed_is_dropped_and_the_others_finish_their_rounds():
    calls_left = iter(range(3))

    def breaks_on_the_third_call() -> None:
        if next(calls_left, None) is None:
            raise RuntimeError("kernel crashed")

    timings = measure_in_rounds(
        {"jit": lambda: None, "tvm": breaks_on_the_third_call},
        TimingPlan(warmup=0, repeat=5, calls_per_sample=1),
        threads=1,
    )

    assert isinstance(timings["tvm"], RuntimeError)
    assert len(timings["jit"].samples) == 5


def test_every_timing_records_the_share_of_the_machine_it_had():
    timings = measure_in_rounds({"jit": lambda: sum(range(20_000))}, TimingPlan(warmup=0, repeat=3, calls_per_sample=5), threads=1)

    assert timings["jit"].interference is not None
    assert timings["jit"].interference.cpu_share > 0


def test_rotation_puts_each_backend_first_in_turn():
    assert [rotation(["a", "b", "c"], index)[0] for index in range(4)] == ["a", "b", "c", "a"]


@pytest.mark.parametrize("kwargs", [{"warmup": -1}, {"repeat": 0}, {"min_sample_seconds": 0}, {"calls_per_sample": 0}])
def test_impossible_plans_are_refused(kwargs):
    with pytest.raises(ValueError):
        TimingPlan(**kwargs)
