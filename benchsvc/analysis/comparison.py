"""Two runs, result by result: how much faster or slower, and whether the samples say it is real.

Each case both runs measured is tested with Mann-Whitney U on the raw samples; the
p-values of all cases are adjusted together (Benjamini-Hochberg), so a run with 30
results does not show changes found by chance. A change is significant when its
q-value is below `alpha` and it is at least `min_change_percent` large, as LNT does.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from scipy.stats import mannwhitneyu

from benchsvc.analysis.multiple_testing import q_values
from benchsvc.domain import Result, Status

# Mann-Whitney U cannot reach p < 0.05 two-sided with fewer than 4 samples on a side.
MIN_SAMPLES = 4

Verdict = Literal["faster", "slower", "unchanged", "not comparable"]


@dataclass(frozen=True)
class ResultChange:
    model: str
    backend: str
    batch_size: int
    image_size: int
    threads: int
    baseline_median: float | None
    contender_median: float | None
    change_percent: float | None
    p_value: float | None
    q_value: float | None
    significant: bool
    verdict: Verdict
    note: str | None = None

    @property
    def confidence(self) -> float | None:
        return 1.0 - self.q_value if self.q_value is not None else None

    @property
    def label(self) -> str:
        return f"{self.model} {self.backend} {self.threads}t b{self.batch_size}"


def case_of(result: Result) -> tuple[str, str, int, int, int]:
    return (result.model, result.backend, result.batch_size, result.image_size, result.threads)


def compare_runs(
    baseline: Sequence[Result], contender: Sequence[Result], *, alpha: float, min_change_percent: float
) -> list[ResultChange]:
    """One comparison per case present in both runs, in the contender's order."""
    by_case = {case_of(result): result for result in baseline}
    pairs = [(by_case[case_of(result)], result) for result in contender if case_of(result) in by_case]
    tested = [p_value_of(before, after) for before, after in pairs]
    adjusted = iter(q_values([p for p in tested if p is not None]))
    qs = [next(adjusted) if p is not None else None for p in tested]
    return [
        judge(before, after, p, q, alpha=alpha, min_change_percent=min_change_percent)
        for (before, after), p, q in zip(pairs, tested, qs)
    ]


def usable(result: Result) -> bool:
    return result.status is Status.OK and bool(result.samples)


def p_value_of(baseline: Result, contender: Result) -> float | None:
    if not (usable(baseline) and usable(contender)):
        return None
    if min(len(baseline.samples), len(contender.samples)) < MIN_SAMPLES:
        return None
    return float(mannwhitneyu(baseline.samples, contender.samples, alternative="two-sided").pvalue)


def judge(
    baseline: Result, contender: Result, p_value: float | None, q_value: float | None, *,
    alpha: float, min_change_percent: float,
) -> ResultChange:
    model, backend, batch_size, image_size, threads = case_of(contender)
    identity = dict(model=model, backend=backend, batch_size=batch_size, image_size=image_size, threads=threads)
    if not (usable(baseline) and usable(contender)):
        return ResultChange(
            **identity, baseline_median=median_of(baseline), contender_median=median_of(contender),
            change_percent=None, p_value=None, q_value=None, significant=False, verdict="not comparable",
            note="both results must have status ok and samples",
        )
    before, after = statistics.median(baseline.samples), statistics.median(contender.samples)
    change = (after - before) / before * 100.0
    note = None if p_value is not None else f"too few samples for a significance test (need {MIN_SAMPLES} per side)"
    significant = q_value is not None and q_value < alpha and abs(change) >= min_change_percent
    verdict: Verdict = ("faster" if change > 0 else "slower") if significant else "unchanged"
    return ResultChange(
        **identity, baseline_median=before, contender_median=after, change_percent=change,
        p_value=p_value, q_value=q_value, significant=significant, verdict=verdict, note=note,
    )


def median_of(result: Result) -> float | None:
    return statistics.median(result.samples) if result.samples else None
