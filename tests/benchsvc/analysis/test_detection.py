"""Change points: a sustained step is reported once, where it began; noise and single bad nights are not."""

from __future__ import annotations

import numpy as np

from benchsvc.analysis import Direction, change_points, latest_change, latest_test, recovery
from benchsvc.analysis.detection import level_of
from tests.support.synthetic import Night


def nights_of(levels: list[float]) -> list[Night]:
    return [Night((level,)) for level in levels]


def quiet_history(nights: int, seed: int = 0) -> list[float]:
    return list(100.0 + np.random.default_rng(seed).normal(0.0, 1.0, nights))


def test_a_sustained_drop_is_reported_once_at_the_night_it_began():
    # Given 30 quiet nights, then 20 nights 8% slower
    levels = quiet_history(30) + [level * 0.92 for level in quiet_history(20, seed=1)]
    # When the series is analysed
    found = change_points(nights_of(levels))
    # Then exactly one slowdown of about 8% is found, starting at night 30, confirmed the next night
    assert len(found) == 1
    assert found[0].index == 30 and found[0].detected_index == 31
    assert found[0].direction is Direction.SLOWER
    assert abs(found[0].change + 0.08) < 0.02
    assert found[0].confidence > 0.999


def test_a_single_disturbed_night_is_not_a_change():
    # Given a quiet series with one night 25% slower
    levels = quiet_history(40)
    levels[25] *= 0.75
    # When the series is analysed, then nothing is reported
    assert change_points(nights_of(levels)) == []


def test_an_improvement_is_a_change_point_too():
    levels = quiet_history(30) + [level * 1.10 for level in quiet_history(10, seed=2)]
    found = change_points(nights_of(levels))
    assert [(point.index, point.direction) for point in found] == [(30, Direction.FASTER)]


def test_a_speedup_needs_stronger_evidence_than_a_slowdown_of_the_same_size():
    # Given 42 nights cycling through 99, 100 and 101 (standard deviation about 0.8)
    steady = [99.0, 100.0, 101.0] * 14
    # When two nights then sit 2.35 below the level, or 2.35 above it
    slower = change_points(nights_of(steady + [97.65, 97.65]))
    faster = change_points(nights_of(steady + [102.35, 102.35]))
    # Then the slowdown is confirmed and the speedup is not (yet)
    assert [point.direction for point in slower] == [Direction.SLOWER]
    assert faster == []


def test_a_change_smaller_than_the_size_floor_is_ignored_even_when_clear():
    # Given a perfectly steady series that drops by 1%
    levels = [100.0] * 30 + [99.0] * 10
    # Then the noise floor and the 2% size floor keep it quiet
    assert change_points(nights_of(levels)) == []


def test_too_short_a_history_judges_nothing():
    levels = [100.0] * 5 + [50.0] * 3
    assert change_points(nights_of(levels)) == []


def test_latest_change_answers_only_for_the_night_that_confirms_a_step():
    levels = quiet_history(30) + [90.0] * 5
    confirming = nights_of(levels[:32])
    later = nights_of(levels)
    assert latest_change(confirming) is not None and latest_change(confirming).index == 30
    assert latest_change(later) is None


def test_a_disturbed_night_beside_a_clearly_low_one_still_confirms_the_drop():
    # Given a 10% drop whose second night is also disturbed (30% slower)
    levels = quiet_history(30) + [90.0, 70.0] + [90.0] * 5
    # When the series is analysed up to the second night
    found = change_points(nights_of(levels[:32]))
    # Then the drop is confirmed on time, its size taken from the undisturbed night
    assert [(point.index, point.detected_index) for point in found] == [(30, 31)]
    assert abs(found[0].change + 0.10) < 0.02


def test_the_level_of_a_night_is_robust_to_a_slow_sample():
    # Given nights of ten samples where one sample each night is 50% slow, then a real 8% drop
    def night(level: float) -> Night:
        return Night((level * 0.5,) + tuple(level + offset for offset in (-0.4, -0.3, -0.2, -0.1, 0.0, 0.1, 0.2, 0.3,
                                                                          0.4)))
    nights = [night(level) for level in quiet_history(30)] + [night(level * 0.92) for level in quiet_history(5, 3)]
    # Then the drop is found and measured at about 8%
    found = change_points(nights)
    assert len(found) == 1 and abs(found[0].change + 0.08) < 0.02


def test_a_nights_level_is_the_mean_of_its_samples_without_the_far_ones():
    # Given a night of 19 samples around 100 and one sample slowed to half
    around = [100.0 + offset / 10 for offset in range(-9, 10)]
    night = Night(tuple(around) + (50.0,))
    # Then its level is the mean of the 19 and ignores the slow one
    assert level_of(night) == sum(around) / len(around)


def test_every_tested_night_gets_a_p_value_and_only_a_confirming_one_a_step():
    quiet = nights_of(quiet_history(30))
    test = latest_test(quiet)
    assert test is not None and test.step is None and 0.0 < test.p_value <= 1.0
    assert test.looks == 19  # nights 10..28 were each a chance to look like a step
    dropped = nights_of(quiet_history(30) + [90.0, 90.0])
    confirming = latest_test(dropped)
    assert confirming.step is not None and confirming.p_value < 1e-6
    assert confirming.watched_p_value == min(1.0, confirming.p_value * confirming.looks)


def test_a_short_history_is_not_tested():
    assert latest_test(nights_of([100.0] * 8)) is None


def test_a_slowdown_recovers_once_two_nights_are_back_near_the_old_level():
    # Given a drop from 100 to 90 (noise 1), two low nights, one night back, one low again, then two back
    since_drop = nights_of([90.0, 90.5, 99.5, 90.2, 99.8, 100.3, 100.1])
    # Then the recovery is where the first two consecutive nights back began
    assert recovery(since_drop, before=100.0, after=90.0, noise=1.0) == 4


def test_a_partial_comeback_is_no_recovery():
    # Given the series came back only a third of the way (within noise of the slow level's neighbourhood)
    since_drop = nights_of([90.0, 90.0, 93.0, 93.2, 92.9])
    assert recovery(since_drop, before=100.0, after=90.0, noise=1.0) is None
