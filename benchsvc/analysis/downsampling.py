"""Fewer points for long histories, so that a chart of years of nights stays fast."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby
from typing import Protocol, TypeVar


class LinePoint(Protocol):
    @property
    def machine(self) -> str: ...

    @property
    def backend(self) -> str: ...

    @property
    def threads(self) -> int: ...

    @property
    def median(self) -> float: ...


Point = TypeVar("Point", bound=LinePoint)


def downsample(points: Sequence[Point], max_points: int) -> list[tuple[Point, int]]:
    """At most max_points per line (machine, backend, threads), in the given order within each line.

    Consecutive points are grouped in equal buckets; each bucket is shown by its own
    median run, a real measurement with its commit, so a step in speed stays where it was.
    Each kept point comes with the number of runs it stands for.
    """
    def line(point: Point) -> tuple[str, str, int]:
        return (point.machine, point.backend, point.threads)

    lines = [list(group) for _, group in groupby(sorted(points, key=line), key=line)]
    per_line = max(1, max_points // max(1, len(lines)))
    kept: list[tuple[Point, int]] = []
    for members in lines:
        size = -(-len(members) // per_line)
        for start in range(0, len(members), size):
            bucket = members[start : start + size]
            kept.append((bucket_median(bucket), len(bucket)))
    return kept


def bucket_median(bucket: Sequence[Point]) -> Point:
    ordered = sorted(bucket, key=lambda point: point.median)
    return ordered[(len(ordered) - 1) // 2]
