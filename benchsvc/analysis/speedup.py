"""TVM over JIT, night by night, and thinning of long lines for charts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from statistics import median
from typing import Protocol


class RatePoint(Protocol):
    @property
    def run_id(self) -> str: ...

    @property
    def created_at(self) -> datetime: ...

    @property
    def backend(self) -> str: ...

    @property
    def threads(self) -> int: ...

    @property
    def median(self) -> float: ...


def speedups(
    points: Sequence[RatePoint], contender: str = "tvm", reference: str = "jit"
) -> dict[int, list[tuple[datetime, float]]]:
    """contender/reference median rate per thread count, for runs that measured both."""
    by_run: dict[tuple[str, int], dict[str, RatePoint]] = {}
    for point in points:
        by_run.setdefault((point.run_id, point.threads), {})[point.backend] = point
    ratios: dict[int, list[tuple[datetime, float]]] = {}
    for (_, threads), backends in by_run.items():
        if contender in backends and reference in backends and backends[reference].median > 0:
            ratio = backends[contender].median / backends[reference].median
            ratios.setdefault(threads, []).append((backends[contender].created_at, ratio))
    return {threads: sorted(line) for threads, line in sorted(ratios.items())}


def thin(line: Sequence[tuple[datetime, float]], max_points: int) -> list[tuple[datetime, float]]:
    """At most max_points, each the median of an equal run of consecutive points, at its middle time."""
    if len(line) <= max_points:
        return list(line)
    size = -(-len(line) // max_points)
    buckets = [line[start : start + size] for start in range(0, len(line), size)]
    return [(bucket[len(bucket) // 2][0], median(value for _, value in bucket)) for bucket in buckets]
