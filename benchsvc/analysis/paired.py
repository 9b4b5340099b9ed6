"""A backend's speed relative to another, from samples taken in the same rounds.

Each round times one sample of every backend back to back, so whatever the machine did in that
round (another tenant, a frequency change) touches both samples of a pair. The ratio of the pair
cancels most of it; the median over rounds and a bootstrap interval summarise the ratios.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import stats

from benchsvc.domain import RatioToJit

CONFIDENCE = 0.95
RESAMPLES = 4999
# A fixed seed: the same samples always give the same interval.
SEED = 20261129


def paired_ratio(contender: Sequence[float], reference: Sequence[float]) -> RatioToJit:
    """Median of contender[i] / reference[i] over rounds, with a percentile-bootstrap 95% interval."""
    if len(contender) != len(reference):
        raise ValueError(f"paired samples differ in length: {len(contender)} vs {len(reference)}")
    if not contender:
        raise ValueError("cannot pair zero samples")
    ratios = np.asarray(contender, dtype=float) / np.asarray(reference, dtype=float)
    if not np.all(np.isfinite(ratios)) or np.any(ratios <= 0):
        raise ValueError("paired samples must be positive, finite rates")
    median = float(np.median(ratios))
    if len(ratios) < 3 or np.ptp(ratios) == 0:
        return RatioToJit(median=median, low=float(ratios.min()), high=float(ratios.max()))
    interval = stats.bootstrap(
        (ratios,),
        np.median,
        confidence_level=CONFIDENCE,
        n_resamples=RESAMPLES,
        method="percentile",
        random_state=np.random.default_rng(SEED),
    ).confidence_interval
    # The percentile interval of a median can miss the sample median by a hair on ties.
    return RatioToJit(
        median=median, low=min(float(interval.low), median), high=max(float(interval.high), median)
    )
