"""Change points in a benchmark series: a sustained step is reported once, where it began.

The detector replays the series night by night, as the service sees it. Each night is
summarised by its level: the mean of its samples once those further than
`SAMPLE_OUTLIER_CUT` robust standard deviations from the night's median are set aside (as
robust to a slow sample as the median, and nearly as precise as the plain mean), or its
median when no samples are at hand. A step is
confirmed when `confirm_nights` consecutive nights all sit on the same side of the
baseline (up to `window` previous nights of the current level, outlying nights set
aside), each beyond `z_each` baseline standard deviations, and their mean differs from
the baseline's in a one-sided t-test at level `alpha` (`alpha_faster` for a speedup). When the confirming nights disagree by more
than `max_disagreement` standard deviations (one of them disturbed as a whole, by a
noisy neighbour), each must stand beyond `z_strong` on its own: a disturbed night beside
a slightly low one is not a step, a disturbed night beside a clearly low one is.
The t-test's degrees of freedom make short histories judge more strictly; the size
floor `min_change` keeps clear but irrelevant wiggles out. After a step the baseline
restarts at the new level, so one drop yields one change point. Defaults come from
benchmarks/regression_eval.py (see docs/dashboard.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from math import fsum, sqrt
from statistics import median
from typing import Protocol

from scipy import stats

# Nights further than this many MAD-sigmas from the baseline median are left out of
# its mean and spread: a disturbed night must not mask or fake a step.
OUTLIER_CUT = 3.5
# Samples further than this many MAD-sigmas from their night's median are left out of
# its level: a sample slowed by a noisy neighbour says nothing about the code.
SAMPLE_OUTLIER_CUT = 3.5
MAD_TO_SIGMA = 1.4826


class Observation(Protocol):
    """One night of a series, as far as step detection needs it: its median rate (and samples)."""

    @property
    def median(self) -> float: ...


class Direction(StrEnum):
    FASTER = "faster"
    SLOWER = "slower"


@dataclass(frozen=True)
class DetectionSettings:
    window: int = 60
    min_history: int = 10
    confirm_nights: int = 2
    # One-sided: the chance that noise alone confirms a slowdown on a night.
    alpha: float = 3e-4
    # The same for a speedup. Stricter: a speedup opens no regression, yet each false one
    # restarts the baseline at two lucky nights, which hides a real drop soon after it.
    alpha_faster: float = 1e-4
    z_each: float = 1.0
    # The confirming nights must agree on the new level (in baseline standard
    # deviations) unless each is far out on its own (z_strong).
    max_disagreement: float = 4.0
    z_strong: float = 4.0
    min_change: float = 0.02
    # A relative floor on the noise scale: a perfectly quiet baseline must not turn
    # every 0.1% wobble into a huge t.
    noise_floor: float = 0.003
    # A regression has recovered once `confirm_nights` consecutive nights are back
    # above the midpoint of the drop and within this many standard deviations of the
    # level before it (or faster).
    z_recover: float = 3.0


DEFAULT_SETTINGS = DetectionSettings()


@dataclass(frozen=True)
class ChangePoint:
    index: int
    detected_index: int
    before: float
    after: float
    # The night-to-night standard deviation of the baseline, in the series' unit.
    noise: float
    t: float
    p_value: float

    @property
    def confidence(self) -> float:
        """1 - p for this series alone; across series, see benchsvc.analysis.multiple_testing."""
        return 1.0 - self.p_value

    @property
    def change(self) -> float:
        """Relative change of the rate; negative means slower."""
        return self.after / self.before - 1.0

    @property
    def direction(self) -> Direction:
        return Direction.SLOWER if self.after < self.before else Direction.FASTER


@dataclass(frozen=True)
class NightTest:
    """The newest night's test in its series: the p-value, and the step it confirms if any.

    `looks` is how many nights the series has been tested at its current level (up to
    `window`): each was a chance for noise to look like a step.
    """

    p_value: float
    step: ChangePoint | None
    looks: int = 1

    @property
    def watched_p_value(self) -> float:
        """The p-value corrected (Bonferroni) for the nights this level has been tested."""
        return min(1.0, self.p_value * self.looks)


def robust_mean(samples: Sequence[float], cut: float = SAMPLE_OUTLIER_CUT) -> float:
    """The mean of the samples within `cut` MAD-sigmas of their median."""
    middle = median(samples)
    spread = MAD_TO_SIGMA * median([abs(sample - middle) for sample in samples])
    if spread == 0.0:
        return middle
    kept = [sample for sample in samples if abs(sample - middle) <= cut * spread]
    return fsum(kept) / len(kept)


def level_of(observation: Observation) -> float:
    samples = getattr(observation, "samples", None)
    return robust_mean(samples) if samples else float(observation.median)


def levels_of(observations: Sequence[Observation]) -> list[float]:
    return [level_of(observation) for observation in observations]


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
        """One-sided, in the direction the levels moved."""
        return float(stats.t.sf(abs(t), max(self.size - 1, 1)))


@lru_cache(maxsize=512)
def critical_t(alpha: float, degrees_of_freedom: int) -> float:
    return float(stats.t.isf(alpha, degrees_of_freedom))


def change_points(
    observations: Sequence[Observation], settings: DetectionSettings = DEFAULT_SETTINGS
) -> list[ChangePoint]:
    """Every confirmed step in the series, oldest first."""
    return replay(levels_of(observations), settings)[0]


def replay(levels: list[float], settings: DetectionSettings) -> tuple[list[ChangePoint], int]:
    """The confirmed steps, and where the current level (the last segment) begins."""
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
    return found, segment_start


def confirmed_step(
    levels: list[float], segment_start: int, start: int, last: int, settings: DetectionSettings
) -> ChangePoint | None:
    baseline = Baseline.of(levels[max(segment_start, start - settings.window) : start], settings)
    recent = levels[start : last + 1]
    deviations = baseline.deviations(recent)
    same_side = all(d > 0 for d in deviations) or all(d < 0 for d in deviations)
    weakest = min(abs(d) for d in deviations)
    if not same_side or weakest < settings.z_each:
        return None
    if max(deviations) - min(deviations) > settings.max_disagreement and weakest < settings.z_strong:
        return None
    t = baseline.t_of_mean(recent)
    alpha = settings.alpha if t < 0 else settings.alpha_faster
    if abs(t) < critical_t(alpha, max(baseline.size - 1, 1)):
        return None
    # One disturbed confirming night must not deepen the step: take the night nearest the baseline.
    disagree = max(deviations) - min(deviations) > settings.max_disagreement
    after = min(recent, key=lambda level: abs(level - baseline.center)) if disagree else median(recent)
    if abs(after / baseline.center - 1.0) < settings.min_change:
        return None
    return ChangePoint(
        index=start, detected_index=last, before=baseline.center, after=after, noise=baseline.scale,
        t=t, p_value=baseline.p_value(t),
    )


def latest_change(
    observations: Sequence[Observation], settings: DetectionSettings = DEFAULT_SETTINGS
) -> ChangePoint | None:
    """The change point that the newest observation confirms, if any."""
    test = latest_test(observations, settings)
    return test.step if test else None


def latest_test(
    observations: Sequence[Observation], settings: DetectionSettings = DEFAULT_SETTINGS
) -> NightTest | None:
    """The newest night's test against its current level; None when the history is too short.

    Every series tested on a night gets a p-value, so that the night's regressions can be
    judged together (Benjamini-Hochberg) instead of each at its own level.
    """
    levels = levels_of(observations)
    points, segment_start = replay(levels, settings)
    if points and points[-1].detected_index == len(levels) - 1:
        step = points[-1]
        previous_start = points[-2].index if len(points) > 1 else 0
        return NightTest(step.p_value, step, looks_at(step.index, previous_start, settings))
    start = len(levels) - settings.confirm_nights
    if start - segment_start < settings.min_history:
        return None
    baseline = Baseline.of(levels[max(segment_start, start - settings.window) : start], settings)
    return NightTest(
        baseline.p_value(baseline.t_of_mean(levels[start:])), None, looks_at(start, segment_start, settings)
    )


def looks_at(start: int, segment_start: int, settings: DetectionSettings) -> int:
    return max(1, min(settings.window, start - segment_start - settings.min_history + 1))


def recovery(
    observations: Sequence[Observation], before: float, after: float, noise: float | None,
    settings: DetectionSettings = DEFAULT_SETTINGS,
) -> int | None:
    """Where a slowdown from `before` to `after` ended: the first of `confirm_nights` nights back.

    `observations` are the nights from the start of the slowdown on. A night is back when
    it is above the midpoint of the drop and within `z_recover` noise of `before` (or faster).
    The slow level is re-estimated from the slow nights seen so far: the nights that
    confirmed the drop were picked for being low, and a midpoint drawn from them alone
    would let noise end a regression too early.
    """
    spread = noise if noise is not None else abs(before - after) / 4.0
    levels = levels_of(observations)
    need = settings.confirm_nights
    for first in range(len(levels) - need + 1):
        slow = median(levels[:first]) if first > need else after
        midpoint = (before + slow) / 2.0
        if all(level > midpoint and level >= before - settings.z_recover * spread
               for level in levels[first : first + need]):
            return first
    return None
