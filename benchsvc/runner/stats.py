"""Summary statistics of iterations-per-second samples."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import stats

from benchsvc.domain import Summary


def summarize(samples: Sequence[float]) -> Summary:
    if not samples:
        raise ValueError("cannot summarize zero samples")
    values = np.asarray(samples, dtype=float)
    if np.any(values <= 0) or not np.all(np.isfinite(values)):
        raise ValueError("samples must be positive, finite rates")
    q1, median, q3 = np.percentile(values, [25, 50, 75])
    stdev = float(np.std(values, ddof=1)) if len(values) > 1 else 0.0
    return Summary(
        median=float(median),
        q1=float(q1),
        q3=float(q3),
        iqr=float(stats.iqr(values)),
        mean=float(np.mean(values)),
        stdev=stdev,
        cov=float(stats.variation(values, ddof=1)) if len(values) > 1 else 0.0,
        n=len(values),
    )
