"""Fewer points for long histories, so that a chart of years of nights stays fast."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby

from benchsvc.api.schemas import SeriesPointOut
from benchsvc.storage import SeriesPoint


def to_point(point: SeriesPoint, runs: int = 1) -> SeriesPointOut:
    return SeriesPointOut(
        run_id=point.run_id, created_at=point.created_at, commit=point.commit_sha, machine=point.machine,
        backend=point.backend, threads=point.threads, median=point.median, q1=point.q1, q3=point.q3,
        iqr=point.iqr, n=point.n, runs=runs,
    )


def downsample(points: Sequence[SeriesPoint], max_points: int) -> list[SeriesPointOut]:
    """At most max_points per line (machine, backend, threads), oldest first.

    Consecutive points are grouped in equal buckets; each bucket is shown by its own
    median run, a real measurement with its commit, so a step in speed stays where it was.
    """
    def line(point: SeriesPoint) -> tuple[str, str, int]:
        return (point.machine, point.backend, point.threads)

    lines = [list(group) for _, group in groupby(sorted(points, key=line), key=line)]
    per_line = max(1, max_points // max(1, len(lines)))
    kept: list[SeriesPointOut] = []
    for members in lines:
        size = -(-len(members) // per_line)
        for start in range(0, len(members), size):
            bucket = members[start : start + size]
            kept.append(to_point(bucket_median(bucket), runs=len(bucket)))
    return sorted(kept, key=lambda point: (point.created_at, point.backend, point.threads))


def bucket_median(bucket: Sequence[SeriesPoint]) -> SeriesPoint:
    ordered = sorted(bucket, key=lambda point: point.median)
    return ordered[(len(ordered) - 1) // 2]
