"""TVM over JIT per night, and thinning long lines for charts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from benchsvc.analysis.speedup import speedups, thin

START = datetime(2026, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Point:
    run_id: str
    created_at: datetime
    backend: str
    threads: int
    median: float


def test_speedup_is_tvm_over_jit_of_the_same_run_and_thread_count():
    points = [
        Point("a", START, "jit", 2, 80.0), Point("a", START, "tvm", 2, 88.0),
        Point("a", START, "jit", 1, 40.0),  # no tvm on 1 thread in this run: no ratio
        Point("b", START + timedelta(days=1), "jit", 2, 80.0), Point("b", START + timedelta(days=1), "tvm", 2, 72.0),
    ]
    assert speedups(points) == {2: [(START, 1.1), (START + timedelta(days=1), 0.9)]}


def test_thin_keeps_short_lines_and_buckets_long_ones_by_median():
    line = [(START + timedelta(days=i), float(i % 3)) for i in range(9)]
    assert thin(line, 20) == line
    assert [value for _, value in thin(line, 3)] == [1.0, 1.0, 1.0]
