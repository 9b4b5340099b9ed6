"""Scores a detector on labelled synthetic series: precision, recall, delay and false alarms.

Each labelled series has one true step of a known size at night `change_at` (or none,
for pure noise). A detection counts as found when it points the right way and starts
within one night of the truth; every other detection is a false alarm.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from benchsvc.analysis.detection import DEFAULT_SETTINGS, DetectionSettings, change_points
from benchsvc.analysis.synthetic import NoiseModel, noisy_nights, step_levels

ON_TIME_NIGHTS = 2
START_TOLERANCE = 1


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


@dataclass(frozen=True)
class Evaluation:
    scores: list[CaseScore]

    def score(self, cov: float, step: float) -> CaseScore:
        return next(s for s in self.scores if s.case == LabelledCase(cov, step))

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
    hit = None
    if step:
        hit = next(
            (p for p in detected
             if abs(p.index - change_at) <= START_TOLERANCE and (p.change < 0) == (step < 0)),
            None,
        )
    if hit is not None:
        delay = hit.detected_index - change_at + 1
        score.found += 1
        score.found_on_time += delay <= ON_TIME_NIGHTS
        score.delays.append(delay)
    # Alarms after the true step (e.g. a second, partial report) are false too.
    score.false_alarms += sum(1 for p in detected if p is not hit)
