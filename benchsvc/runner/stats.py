"""Summary statistics of iterations-per-second samples."""

from __future__ import annotations

import math
from collections.abc import Sequence

from benchsvc.domain import Summary


def summarize(samples: Sequence[float]) -> Summary:
    if not samples:
        raise ValueError("cannot summarize zero samples")
    if any(not math.isfinite(value) or value <= 0 for value in samples):
        raise ValueError("samples must be positive, finite rates")
    return Summary.of(samples)
