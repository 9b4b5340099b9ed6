"""A new result judged against its recent history, on its raw samples and its median."""

from __future__ import annotations

import numpy as np

from benchsvc.analysis import assess_latest
from tests.support.synthetic import NoiseModel, Night, noisy_nights, step_levels


def history_with_last_night(factor: float, seed: int = 0) -> list[Night]:
    rng = np.random.default_rng(seed)
    nights = noisy_nights(rng, step_levels(20, 80.0), NoiseModel(cov=0.02, disturbed_nights=0.0))
    last = tuple(sample * factor for sample in nights[-1].samples)
    return nights[:-1] + [Night(last)]


def test_a_new_result_10_percent_slower_is_significant():
    assessment = assess_latest(history_with_last_night(0.90))
    assert assessment is not None
    assert assessment.significant
    assert assessment.p_value < 0.001
    assert -0.13 < assessment.change < -0.07


def test_a_new_result_within_the_noise_is_not_significant():
    assessment = assess_latest(history_with_last_night(1.0))
    assert assessment is not None and not assessment.significant


def test_without_enough_history_there_is_no_verdict():
    assert assess_latest(history_with_last_night(0.5)[-5:]) is None
