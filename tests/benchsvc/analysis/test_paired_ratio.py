import numpy as np
import pytest

from benchsvc.analysis.paired import paired_ratio


def test_a_steady_ratio_has_an_interval_of_no_width():
    ratio = paired_ratio([12.0, 24.0, 36.0, 48.0], [10.0, 20.0, 30.0, 40.0])

    assert (ratio.median, ratio.low, ratio.high) == pytest.approx((1.2, 1.2, 1.2))


def test_a_slow_round_for_both_backends_does_not_move_the_ratio():
    jit = [50.0, 50.0, 25.0, 50.0, 50.0]
    tvm = [60.0, 60.0, 30.0, 60.0, 60.0]

    assert paired_ratio(tvm, jit).median == pytest.approx(1.2)


def test_the_interval_holds_the_median_and_is_the_same_for_the_same_samples():
    rng = np.random.default_rng(1)
    jit = list(50 * rng.lognormal(0, 0.1, 20))
    tvm = [value * 1.25 * noise for value, noise in zip(jit, rng.lognormal(0, 0.02, 20))]

    first, second = paired_ratio(tvm, jit), paired_ratio(tvm, jit)

    assert first.low <= first.median <= first.high
    assert first == second
    assert 1.2 < first.low and first.high < 1.3


def test_samples_of_different_rounds_cannot_be_paired():
    with pytest.raises(ValueError, match="differ in length"):
        paired_ratio([1.0, 2.0], [1.0])
