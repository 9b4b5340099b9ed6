"""Thinning long lines for charts."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from benchsvc.analysis.speedup import thin

START = datetime(2026, 1, 1, tzinfo=timezone.utc)


def test_thin_keeps_short_lines_and_buckets_long_ones_by_median():
    line = [(START + timedelta(days=i), float(i % 3)) for i in range(9)]
    assert thin(line, 20) == line
    assert [value for _, value in thin(line, 3)] == [1.0, 1.0, 1.0]
