"""A run over several thread counts times them in the same rounds and reports each backend's
scaling from the fewest threads, paired per round."""

import pytest
import torch
from pydantic import ValidationError

from benchsvc.domain import Status, ThreadScaling
from benchsvc.models import InputShape
from benchsvc.runner import Case, TimingPlan, run_case
from benchsvc.runner.case import with_scaling
from benchsvc.runner.measure import measure_in_rounds
from tests.support.documents import a_result

SMALL = InputShape(batch_size=1, image_size=32)
QUICK = TimingPlan(warmup=1, repeat=5, calls_per_sample=2)


@pytest.fixture(scope="module")
def one_and_two_threads():
    return run_case(Case(model="resnet18", backends=["jit", "eager"], threads=[1, 2], shape=SMALL), QUICK)


def test_given_two_thread_counts_then_every_backend_has_a_result_at_each(one_and_two_threads):
    assert sorted((r.backend, r.threads) for r in one_and_two_threads) == [
        ("eager", 1), ("eager", 2), ("jit", 1), ("jit", 2),
    ]


def test_given_two_thread_counts_then_each_result_at_two_carries_its_scaling_from_one(one_and_two_threads):
    for result in (r for r in one_and_two_threads if r.threads == 2):
        assert result.scaling is not None
        assert result.scaling.threads == 1
        assert 0 < result.scaling.low <= result.scaling.median <= result.scaling.high


def test_given_two_thread_counts_then_the_results_at_the_fewest_carry_no_scaling(one_and_two_threads):
    assert all(r.scaling is None for r in one_and_two_threads if r.threads == 1)


def test_given_two_thread_counts_then_each_is_paired_with_jit_at_its_own_count(one_and_two_threads):
    eager = {r.threads: r for r in one_and_two_threads if r.backend == "eager"}

    assert eager[1].ratio_to_jit is not None and eager[2].ratio_to_jit is not None
    assert len(eager[1].samples) == len(eager[2].samples) == QUICK.repeat


def test_given_calls_at_their_own_thread_counts_when_timed_then_each_sample_runs_at_its_count():
    seen: dict[str, set[int]] = {"one": set(), "two": set()}
    calls = {name: (lambda name=name: seen[name].add(torch.get_num_threads())) for name in seen}
    previous = torch.get_num_threads()
    try:
        measure_in_rounds(calls, TimingPlan(warmup=1, repeat=4, calls_per_sample=3), {"one": 1, "two": 2})
    finally:
        torch.set_num_threads(previous)

    assert seen == {"one": {1}, "two": {2}}


def test_given_samples_from_the_same_rounds_then_scaling_is_the_median_of_per_round_ratios():
    one = a_result("tvm", threads=1, samples=[10.0, 10.0, 12.0])
    two = a_result("tvm", threads=2, samples=[19.0, 20.0, 22.8])

    scaling = with_scaling(two, one).scaling

    assert scaling.threads == 1
    assert scaling.median == pytest.approx(1.9)  # rounds 1.9x, 2.0x, 1.9x


def test_given_the_fewest_threads_failed_then_there_is_no_scaling():
    failed = a_result("tvm", threads=1, status=Status.FAILED, error="crashed", samples=[], summary=None)

    assert with_scaling(a_result("tvm", threads=2), failed).scaling is None


def test_a_result_whose_scaling_starts_from_as_many_threads_as_its_own_is_rejected():
    with pytest.raises(ValidationError, match="scaling.threads"):
        a_result("tvm", threads=2, scaling=ThreadScaling(threads=2, median=1.0, low=1.0, high=1.0))
