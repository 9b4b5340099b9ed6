"""Two runs, result by result: how much faster or slower, and whether the samples say it is real."""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from scipy.stats import mannwhitneyu

from benchsvc.api.schemas import ResultComparison
from benchsvc.domain import Result, Status

# Mann-Whitney U cannot reach p < 0.05 two-sided with fewer than 4 samples on a side.
MIN_SAMPLES = 4


def case_of(result: Result) -> tuple[str, str, int, int, int]:
    return (result.model, result.backend, result.batch_size, result.image_size, result.threads)


def compare_runs(
    baseline: Sequence[Result], contender: Sequence[Result], *, alpha: float, min_change_percent: float
) -> list[ResultComparison]:
    """One comparison per case present in both runs, in the contender's order."""
    by_case = {case_of(result): result for result in baseline}
    return [
        compare_results(by_case[case_of(result)], result, alpha=alpha, min_change_percent=min_change_percent)
        for result in contender
        if case_of(result) in by_case
    ]


def compare_results(
    baseline: Result, contender: Result, *, alpha: float, min_change_percent: float
) -> ResultComparison:
    model, backend, batch_size, image_size, threads = case_of(contender)
    identity = dict(model=model, backend=backend, batch_size=batch_size, image_size=image_size, threads=threads)
    usable = [r for r in (baseline, contender) if r.status is Status.OK and r.samples]
    if len(usable) < 2:
        return ResultComparison(
            **identity, baseline_median=median_of(baseline), contender_median=median_of(contender),
            change_percent=None, p_value=None, significant=False, verdict="not comparable",
            note="both results must have status ok and samples",
        )
    before, after = statistics.median(baseline.samples), statistics.median(contender.samples)
    change = (after - before) / before * 100.0
    note = None
    if min(len(baseline.samples), len(contender.samples)) < MIN_SAMPLES:
        p_value = None
        note = f"too few samples for a significance test (need {MIN_SAMPLES} per side)"
    else:
        p_value = float(mannwhitneyu(baseline.samples, contender.samples, alternative="two-sided").pvalue)
    # Significant means both: the samples differ (U test) and by enough to matter (size floor, as LNT).
    significant = p_value is not None and p_value < alpha and abs(change) >= min_change_percent
    verdict = ("faster" if change > 0 else "slower") if significant else "unchanged"
    return ResultComparison(
        **identity, baseline_median=before, contender_median=after, change_percent=change,
        p_value=p_value, significant=significant, verdict=verdict, note=note,
    )


def median_of(result: Result) -> float | None:
    return statistics.median(result.samples) if result.samples else None
