"""The labelled evaluation that chose the defaults, at a size a test can afford."""

from __future__ import annotations

from tests.support.evaluation import LabelledCase, evaluate


def test_defaults_find_a_5_percent_drop_in_2_percent_noise_within_two_nights():
    # Given 100 series with a 5% drop at night 60 and 2% sample noise
    result = evaluate([LabelledCase(0.02, -0.05)], series_per_case=100, nights=64, change_at=60, seed=5)
    score = result.score(0.02, -0.05)
    # Then (target: 95%) it is found within two nights in at least 90% of this small sample
    assert score.recall_on_time >= 0.90
    assert result.median_delay == 2


def test_defaults_stay_quiet_on_pure_noise():
    # Given 60 series of 100 nights of pure 2% noise
    result = evaluate([LabelledCase(0.02, 0.0)], series_per_case=60, nights=100, change_at=100, seed=6)
    # Then fewer than 1 false alarm per 1000 nights... here at most 1 in ~5000 nights
    assert result.score(0.02, 0.0).false_alarms <= 1


def test_an_alarm_before_the_true_step_counts_as_false():
    # Given steps so small that detection mostly misses them
    result = evaluate([LabelledCase(0.05, -0.02)], series_per_case=20, nights=64, change_at=60, seed=7)
    score = result.score(0.05, -0.02)
    # Then recall is low, and precision accounts every alarm that was not the step
    assert score.recall < 0.5
    assert 0.0 <= result.precision <= 1.0
