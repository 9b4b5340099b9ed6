"""Scores a detector on labelled synthetic series: recall, delay, false alarms, recoveries.

Each labelled series has one true step of a known size at night `change_at` (or none,
for pure noise); a regress-then-fix series also returns to its old level at night
`fix_at`. A detection counts as found when it points the right way and starts within
one night of the truth; every other detection is a false alarm (false slowdowns, the
ones that would open a regression, are also counted on their own). A regress-then-fix
series counts as recovered when detection closes its regression within `RECOVERY_NIGHTS`
nights of the fix, and not before it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from benchsvc.analysis.detection import DEFAULT_SETTINGS, DetectionSettings, change_points, recovery
from tests.support.synthetic import NoiseModel, noisy_nights, step_levels

ON_TIME_NIGHTS = 2
START_TOLERANCE = 1
RECOVERY_NIGHTS = 3


@dataclass(frozen=True)
class LabelledCase:
    cov: float
    step: float


@dataclass
class CaseScore:
    case: LabelledCase
    series: int = 0
    found: int = 0
    found_on_time: int = 0
    false_alarms: int = 0
    false_slowdowns: int = 0
    nights_at_risk: int = 0
    delays: list[int] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.found / self.series if self.case.step and self.series else float("nan")

    @property
    def recall_on_time(self) -> float:
        return self.found_on_time / self.series if self.case.step and self.series else float("nan")

    @property
    def false_alarms_per_1000_nights(self) -> float:
        return 1000.0 * self.false_alarms / self.nights_at_risk if self.nights_at_risk else 0.0

    @property
    def false_slowdowns_per_1000_nights(self) -> float:
        return 1000.0 * self.false_slowdowns / self.nights_at_risk if self.nights_at_risk else 0.0


@dataclass(frozen=True)
class Evaluation:
    scores: list[CaseScore]

    def score(self, cov: float, step: float) -> CaseScore:
        return next(s for s in self.scores if s.case == LabelledCase(cov, step))

    def recall_on_time_of(self, steps: Sequence[float]) -> float:
        """Pooled over every CoV: the share of series with one of these steps found within 2 nights."""
        chosen = [s for s in self.scores if s.case.step in steps]
        return sum(s.found_on_time for s in chosen) / sum(s.series for s in chosen)

    @property
    def precision(self) -> float:
        found = sum(s.found for s in self.scores)
        alarms = found + sum(s.false_alarms for s in self.scores)
        return found / alarms if alarms else 1.0

    @property
    def recall(self) -> float:
        stepped = [s for s in self.scores if s.case.step]
        return sum(s.found for s in stepped) / sum(s.series for s in stepped)

    @property
    def false_alarms_per_1000_nights(self) -> float:
        """Over the pure-noise series only: how often a quiet benchmark cries wolf."""
        quiet = [s for s in self.scores if not s.case.step]
        return 1000.0 * sum(s.false_alarms for s in quiet) / sum(s.nights_at_risk for s in quiet)

    @property
    def false_slowdowns_per_1000_nights(self) -> float:
        """Over the pure-noise series only: how often a quiet benchmark would open a regression."""
        quiet = [s for s in self.scores if not s.case.step]
        return 1000.0 * sum(s.false_slowdowns for s in quiet) / sum(s.nights_at_risk for s in quiet)

    @property
    def median_delay(self) -> float:
        delays = [d for s in self.scores for d in s.delays]
        return float(np.median(delays)) if delays else float("nan")


def evaluate(
    cases: Sequence[LabelledCase],
    *,
    series_per_case: int,
    nights: int = 60,
    change_at: int = 40,
    settings: DetectionSettings = DEFAULT_SETTINGS,
    noise: NoiseModel = NoiseModel(),
    seed: int = 0,
) -> Evaluation:
    """`noise` gives everything but the CoV, which each case sets."""
    rng = np.random.default_rng(seed)
    scores = []
    for case in cases:
        score = CaseScore(case)
        case_noise = replace(noise, cov=case.cov)
        steps = [(change_at, case.step)] if case.step else []
        for _ in range(series_per_case):
            nights_seen = noisy_nights(rng, step_levels(nights, 100.0, steps), case_noise)
            score_series(score, change_points(nights_seen, settings), nights, change_at, settings)
        scores.append(score)
    return Evaluation(scores)


def score_series(
    score: CaseScore, detected: list, nights: int, change_at: int, settings: DetectionSettings
) -> None:
    score.series += 1
    step = score.case.step
    score.nights_at_risk += (change_at if step else nights) - settings.min_history - settings.confirm_nights + 1
    hit = first_hit(detected, change_at, step) if step else None
    if hit is not None:
        delay = hit.detected_index - change_at + 1
        score.found += 1
        score.found_on_time += delay <= ON_TIME_NIGHTS
        score.delays.append(delay)
    # Alarms after the true step (e.g. a second, partial report) are false too.
    false = [p for p in detected if p is not hit]
    score.false_alarms += len(false)
    score.false_slowdowns += sum(1 for p in false if p.change < 0)


def first_hit(detected: list, change_at: int, step: float):
    return next(
        (p for p in detected if abs(p.index - change_at) <= START_TOLERANCE and (p.change < 0) == (step < 0)),
        None,
    )


@dataclass
class RecoveryScore:
    cov: float
    drop: float
    series: int = 0
    detected: int = 0
    recovered_in_time: int = 0
    too_early: int = 0

    @property
    def recovered_share(self) -> float:
        """Of the histories whose drop was detected, the share closed within RECOVERY_NIGHTS of the fix."""
        return self.recovered_in_time / self.detected if self.detected else float("nan")


def evaluate_recovery(
    covs: Sequence[float], drops: Sequence[float], *, series_per_case: int, nights: int = 80,
    change_at: int = 50, fix_at: int = 60, settings: DetectionSettings = DEFAULT_SETTINGS,
    noise: NoiseModel = NoiseModel(), seed: int = 0,
) -> list[RecoveryScore]:
    """Regress-then-fix histories: the drop at `change_at`, the old level back from `fix_at` on."""
    rng = np.random.default_rng(seed)
    scores = []
    for cov in covs:
        for drop in drops:
            score = RecoveryScore(cov, drop)
            levels = step_levels(nights, 100.0, [(change_at, drop)])
            levels[fix_at:] = 100.0
            for _ in range(series_per_case):
                seen = noisy_nights(rng, levels, replace(noise, cov=cov))
                score.series += 1
                hit = first_hit(change_points(seen[:fix_at], settings), change_at, drop)
                if hit is None:
                    continue
                score.detected += 1
                found = recovery(seen[hit.index :], hit.before, hit.after, hit.noise, settings)
                if found is None:
                    continue
                first = hit.index + found
                confirmed = first + settings.confirm_nights - 1
                if first < fix_at:
                    score.too_early += 1
                elif confirmed < fix_at + RECOVERY_NIGHTS:
                    score.recovered_in_time += 1
            scores.append(score)
    return scores
