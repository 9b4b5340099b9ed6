"""Thinning of long lines of values for charts (e.g. paired speedups over jit)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from statistics import median


def thin(line: Sequence[tuple[datetime, float]], max_points: int) -> list[tuple[datetime, float]]:
    """At most max_points, each the median of an equal run of consecutive points, at its middle time."""
    if len(line) <= max_points:
        return list(line)
    size = -(-len(line) // max_points)
    buckets = [line[start : start + size] for start in range(0, len(line), size)]
    return [(bucket[len(bucket) // 2][0], median(value for _, value in bucket)) for bucket in buckets]
