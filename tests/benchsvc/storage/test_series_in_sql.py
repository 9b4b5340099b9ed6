"""Series read at scale: the database buckets and picks the points; raw samples stay where they are."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from sqlalchemy import event

from benchsvc.storage import SeriesQuery, make_engine, sampled_series, transaction
from benchsvc.storage.bulk import save_runs
from tests.support.documents import a_document, a_result

NIGHT = datetime(2026, 1, 1, 2, 0, tzinfo=timezone.utc)


def store_nights(database_url: str, count: int, *, threads: tuple[int, ...] = (1, 2)) -> None:
    """One run per night with one jit result per thread count; night d runs at 100 + d it/s."""
    documents = [
        a_document(
            *(a_result("jit", samples=[99.0 + day, 100.0 + day, 101.0 + day], threads=t) for t in threads),
            created_at=NIGHT + timedelta(days=day),
        )
        for day in range(count)
    ]
    with transaction(make_engine(database_url)) as session:
        save_runs(session, documents)


def statements_while(engine, action):
    seen: list[str] = []

    def remember(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", remember)
    try:
        return action(), seen
    finally:
        event.remove(engine, "before_cursor_execute", remember)


def test_a_long_series_comes_back_as_at_most_max_points_picked_by_the_database(database_url):
    store_nights(database_url, 60)
    engine = make_engine(database_url)

    with transaction(engine) as session:
        found, statements = statements_while(
            engine, lambda: sampled_series(session, SeriesQuery(model="resnet18"), max_points=10)
        )

    assert found.total_points == 120 and found.downsampled
    assert len(found.points) <= 10
    assert sum(point.runs for point in found.points) == 120
    # Raw samples never leave the database to draw a chart: no statement reads them.
    assert not any(re.search(r"\bsamples\b", statement) for statement in statements)


def test_each_bucket_is_shown_by_its_median_run_with_its_lowest_and_highest_median(database_url):
    store_nights(database_url, 20, threads=(2,))

    with transaction(make_engine(database_url)) as session:
        found = sampled_series(session, SeriesQuery(model="resnet18"), max_points=4)

    # 20 nights in 4 buckets of 5 consecutive nights: medians 100-104, 105-109, ...
    assert [(p.low, p.median, p.high, p.runs) for p in found.points] == [
        (100.0, 102.0, 104.0, 5), (105.0, 107.0, 109.0, 5), (110.0, 112.0, 114.0, 5), (115.0, 117.0, 119.0, 5),
    ]
    assert found.points[0].created_at == NIGHT + timedelta(days=2)


def test_every_line_gets_its_share_of_the_points(database_url):
    store_nights(database_url, 30)

    with transaction(make_engine(database_url)) as session:
        found = sampled_series(session, SeriesQuery(model="resnet18"), max_points=10)

    assert sorted(p.threads for p in found.points) == [1] * 5 + [2] * 5


def test_a_short_series_is_every_result_with_samples_only_when_asked(database_url):
    store_nights(database_url, 3, threads=(2,))

    with transaction(make_engine(database_url)) as session:
        plain = sampled_series(session, SeriesQuery(model="resnet18"), max_points=100)
        with_samples = sampled_series(session, SeriesQuery(model="resnet18"), max_points=100, include_samples=True)

    assert not plain.downsampled and [p.median for p in plain.points] == [100.0, 101.0, 102.0]
    assert all(point.samples == [] and point.runs == 1 for point in plain.points)
    assert with_samples.points[0].samples == [99.0, 100.0, 101.0]
