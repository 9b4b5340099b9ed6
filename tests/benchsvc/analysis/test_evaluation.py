"""The labelled evaluation that chose the defaults, at a size a test can afford."""

from __future__ import annotations

from tests.support.evaluation import LabelledCase, evaluate, evaluate_recovery


def test_defaults_find_a_5_percent_drop_in_2_percent_noise_within_two_nights():
    # Given 100 series with a 5% drop at night 60 and 2% sample noise
    result = evaluate([LabelledCase(0.02, -0.05)], series_per_case=100, nights=64, change_at=60, seed=5)
    score = result.score(0.02, -0.05)
    # Then (goal: 98% over many series) it is found within two nights in at least 95% of this small sample
    assert score.recall_on_time >= 0.95
    assert result.median_delay == 2


def test_defaults_rarely_report_a_slowdown_on_pure_noise():
    # Given 60 series of 100 nights of pure 2% noise (5340 nights that could raise an alarm)
    result = evaluate([LabelledCase(0.02, 0.0)], series_per_case=60, nights=100, change_at=100, seed=6)
    # Then false slowdowns stay below 1 per 1000 nights (the goal, 0.5, is measured on 10x more)
    assert result.score(0.02, 0.0).false_slowdowns_per_1000_nights < 1.0


def test_a_fixed_regression_is_closed_as_recovered_within_three_nights_of_the_fix():
    # Given 60 histories that drop 10% at night 50 and come back at night 60
    scores = evaluate_recovery([0.02], [-0.10], series_per_case=60, seed=8)
    # Then nearly every detected drop is closed as recovered in time, and none before the fix
    assert scores[0].detected >= 57
    assert scores[0].recovered_share >= 0.9
    assert scores[0].too_early == 0


def test_an_alarm_before_the_true_step_counts_as_false():
    # Given steps so small that detection mostly misses them
    result = evaluate([LabelledCase(0.05, -0.02)], series_per_case=20, nights=64, change_at=60, seed=7)
    score = result.score(0.05, -0.02)
    # Then recall is low, and precision accounts every alarm that was not the step
    assert score.recall < 0.5
    assert 0.0 <= result.precision <= 1.0
