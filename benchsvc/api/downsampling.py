"""Downsampled series in the API's shape."""

from __future__ import annotations

from collections.abc import Sequence

from benchsvc.analysis.downsampling import downsample as thin_lines
from benchsvc.api.schemas import SeriesPointOut
from benchsvc.storage import SeriesPoint


def to_point(point: SeriesPoint, runs: int = 1) -> SeriesPointOut:
    return SeriesPointOut(
        run_id=point.run_id, created_at=point.created_at, commit=point.commit_sha, machine=point.machine,
        backend=point.backend, threads=point.threads, median=point.median, q1=point.q1, q3=point.q3,
        iqr=point.iqr, n=point.n, runs=runs,
    )


def downsample(points: Sequence[SeriesPoint], max_points: int) -> list[SeriesPointOut]:
    """At most max_points per line (machine, backend, threads), oldest first."""
    kept = [to_point(point, runs) for point, runs in thin_lines(points, max_points)]
    return sorted(kept, key=lambda point: (point.created_at, point.backend, point.threads))
