"""Change points: a sustained step is reported once, where it began; noise and single bad nights are not."""

from __future__ import annotations

import numpy as np

from benchsvc.analysis import Direction, change_points, latest_change
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
