"""Time filters: ISO dates and times, spans back from now, and a clear refusal of anything else."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from benchsvc.time_filters import parse_time

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)


def test_an_iso_date_is_its_midnight_in_utc():
    assert parse_time("2026-01-31") == datetime(2026, 1, 31, tzinfo=timezone.utc)


def test_a_bare_date_as_an_upper_bound_means_the_end_of_that_day():
    assert parse_time("2026-01-31", end_of_day=True) == datetime(2026, 2, 1, tzinfo=timezone.utc) - timedelta(
        microseconds=1
    )


def test_a_time_with_an_offset_is_converted_to_utc():
    assert parse_time("2026-01-31T12:00:00+02:00") == datetime(2026, 1, 31, 10, tzinfo=timezone.utc)


@pytest.mark.parametrize(("text", "back"), [("36h", timedelta(hours=36)), ("7d", timedelta(days=7)),
                                            ("2w", timedelta(weeks=2))])
def test_a_span_counts_back_from_now(text, back):
    assert parse_time(text, now=NOW) == NOW - back


@pytest.mark.parametrize("text", ["yesterday", "7 days", "2026-13-01", "-3d", ""])
def test_anything_else_is_refused_saying_what_is_accepted(text):
    with pytest.raises(ValueError, match="span back from now"):
        parse_time(text)
