"""Is a new result different from its series' recent history? Judged on raw samples too.

Within one run, samples are repeated timings of the same thing, so a rank test on
them (Mann-Whitney U, no normality assumed, robust to the odd slow sample) says
whether the new result differs from recent ones beyond timing noise. Nights also differ from each other
for reasons no single run sees (machine load, frequency), so a new result is only
called significant when it also stands out from the spread of recent nightly
medians and passes a size floor, as LNT does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from scipy import stats

from benchsvc.analysis.detection import DEFAULT_SETTINGS, Baseline, DetectionSettings, Observation


class SampledObservation(Observation, Protocol):
    """One night with the raw samples behind its median."""

    @property
    def samples(self) -> Sequence[float]: ...

ALPHA = 0.001
# A single new night is judged with a looser z than a confirmed step: it is a flag
# for people to look at, not an alarm.
SINGLE_NIGHT_Z = 3.0


@dataclass(frozen=True)
class Assessment:
    """A new result against its series' recent history."""

    baseline: float
    value: float
    z: float
    p_value: float
    significant: bool

    @property
    def change(self) -> float:
        return self.value / self.baseline - 1.0


def assess_latest(
    observations: Sequence[SampledObservation], settings: DetectionSettings = DEFAULT_SETTINGS
) -> Assessment | None:
    """The newest observation against the `window` nights before it; None without enough history."""
    history = observations[-1 - settings.window : -1]
    if len(history) < settings.min_history:
        return None
    latest = observations[-1]
    baseline = Baseline.of([night.median for night in history], settings)
    z = baseline.deviations([latest.median])[0]
    pooled = [sample for night in history for sample in night.samples]
    p_value = rank_test(pooled, latest.samples)
    large_enough = abs(latest.median / baseline.center - 1.0) >= settings.min_change
    significant = p_value < ALPHA and abs(z) >= SINGLE_NIGHT_Z and large_enough
    return Assessment(baseline.center, latest.median, z, p_value, significant)


def rank_test(first: Sequence[float], second: Sequence[float]) -> float:
    """Two-sided Mann-Whitney U p-value; 1.0 when either side has too few samples to test."""
    if len(first) < 2 or len(second) < 2:
        return 1.0
    return float(stats.mannwhitneyu(first, second, alternative="two-sided").pvalue)
