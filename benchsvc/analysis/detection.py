"""Change points in a benchmark series: a sustained step is reported once, where it began.

The detector replays the series night by night, as the service sees it. A step is
confirmed when `confirm_nights` consecutive nights all sit on the same side of the
baseline (up to `window` previous nights of the current level, outlying nights set
aside), each beyond `z_each` baseline standard deviations and agreeing with each other on
the new level, and their mean differs from the baseline's in a t-test at level
`alpha`. Requiring every confirming night to deviate, consistently, keeps a single
disturbed night (a noisy neighbour) from raising an alarm;
the t-test's degrees of freedom make short histories judge more strictly; the size
floor `min_change` keeps clear but irrelevant wiggles out. After a step the baseline
restarts at the new level, so one drop yields one change point. Defaults come from
benchmarks/regression_eval.py (see docs/dashboard.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from math import fsum, sqrt
from statistics import median
from enum import StrEnum
from typing import Protocol

from scipy import stats

# Nights further than this many MAD-sigmas from the baseline median are left out of
# its mean and spread: a disturbed night must not mask or fake a step.
OUTLIER_CUT = 3.5
MAD_TO_SIGMA = 1.4826


class Observation(Protocol):
    """One night of a series, as far as step detection needs it: its median rate."""

    @property
    def median(self) -> float: ...


class Direction(StrEnum):
    FASTER = "faster"
    SLOWER = "slower"


@dataclass(frozen=True)
class DetectionSettings:
    window: int = 30
    min_history: int = 10
    confirm_nights: int = 2
    alpha: float = 3e-4
    z_each: float = 2.0
    # The confirming nights must agree on the new level (in baseline standard
    # deviations): one disturbed night beside one slightly low night is not a step.
    max_disagreement: float = 4.0
    min_change: float = 0.02
    # A relative floor on the noise scale: a perfectly quiet baseline must not turn
    # every 0.1% wobble into a huge t.
    noise_floor: float = 0.003


DEFAULT_SETTINGS = DetectionSettings()


@dataclass(frozen=True)
class ChangePoint:
    index: int
    detected_index: int
    before: float
    after: float
    t: float
    confidence: float

    @property
    def change(self) -> float:
        """Relative change of the median rate; negative means slower."""
        return self.after / self.before - 1.0

    @property
    def direction(self) -> Direction:
        return Direction.SLOWER if self.after < self.before else Direction.FASTER


@dataclass(frozen=True)
class Baseline:
    center: float
    scale: float
    size: int

    # Plain Python on purpose: windows hold a few dozen numbers, where numpy's
    # per-call overhead dominates and made the evaluation 20x slower.
    @classmethod
    def of(cls, levels: Sequence[float], settings: DetectionSettings) -> Baseline:
        middle = median(levels)
        floor = settings.noise_floor * middle
        robust = max(MAD_TO_SIGMA * median([abs(level - middle) for level in levels]), floor)
        inliers = [level for level in levels if abs(level - middle) <= OUTLIER_CUT * robust]
        center = fsum(inliers) / len(inliers)
        variance = fsum((level - center) ** 2 for level in inliers) / max(len(inliers) - 1, 1)
        return cls(center=center, scale=max(sqrt(variance), floor), size=len(inliers))

    def deviations(self, levels: Sequence[float]) -> list[float]:
        return [(level - self.center) / self.scale for level in levels]

    def t_of_mean(self, levels: Sequence[float]) -> float:
        """Two-sample t of `levels` against the baseline, assuming the baseline's spread."""
        mean_deviation = fsum(self.deviations(levels)) / len(levels)
        return mean_deviation / sqrt(1.0 / len(levels) + 1.0 / self.size)

    def p_value(self, t: float) -> float:
        return float(2.0 * stats.t.sf(abs(t), max(self.size - 1, 1)))


@lru_cache(maxsize=512)
def critical_t(alpha: float, degrees_of_freedom: int) -> float:
    return float(stats.t.isf(alpha / 2.0, degrees_of_freedom))


def change_points(
    observations: Sequence[Observation], settings: DetectionSettings = DEFAULT_SETTINGS
) -> list[ChangePoint]:
    """Every confirmed step in the series, oldest first."""
    levels = [float(observation.median) for observation in observations]
    found: list[ChangePoint] = []
    segment_start = 0
    for last in range(len(levels)):
        start = last - settings.confirm_nights + 1
        if start - segment_start < settings.min_history:
            continue
        point = confirmed_step(levels, segment_start, start, last, settings)
        if point is not None:
            found.append(point)
            segment_start = point.index
    return found


def confirmed_step(
    levels: list[float], segment_start: int, start: int, last: int, settings: DetectionSettings
) -> ChangePoint | None:
    baseline = Baseline.of(levels[max(segment_start, start - settings.window) : start], settings)
    recent = levels[start : last + 1]
    deviations = baseline.deviations(recent)
    same_side = all(d > 0 for d in deviations) or all(d < 0 for d in deviations)
    if not same_side or min(abs(d) for d in deviations) < settings.z_each:
        return None
    if max(deviations) - min(deviations) > settings.max_disagreement:
        return None
    t = baseline.t_of_mean(recent)
    if abs(t) < critical_t(settings.alpha, max(baseline.size - 1, 1)):
        return None
    after = median(recent)
    if abs(after / baseline.center - 1.0) < settings.min_change:
        return None
    return ChangePoint(
        index=start,
        detected_index=last,
        before=baseline.center,
        after=after,
        t=t,
        confidence=1.0 - baseline.p_value(t),
    )


def latest_change(
    observations: Sequence[Observation], settings: DetectionSettings = DEFAULT_SETTINGS
) -> ChangePoint | None:
    """The change point that the newest observation confirms, if any."""
    points = change_points(observations, settings)
    if points and points[-1].detected_index == len(observations) - 1:
        return points[-1]
    return None
