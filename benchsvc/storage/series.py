"""Time series of stored results, aggregated and downsampled by the database.

A series is every successful result with one history key (machine, case and backend
configuration), ordered by the time its run was measured. Charts never need every night
of years of history: `sampled_series` asks the database for at most `max_points` points,
each standing for a bucket of consecutive nights, so the rows a long history holds never
leave the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, literal_column, or_, select
from sqlalchemy.orm import Session, aliased

from benchsvc.domain import Status
from benchsvc.storage.repository import utc
from benchsvc.storage.tables import MachineRow, ResultRow, RunRow

# The most points one answer carries, whatever a caller asks for.
MAX_POINTS_LIMIT = 10_000


@dataclass(frozen=True)
class SeriesQuery:
    model: str
    backend: str | None = None
    threads: int | None = None
    batch_size: int | None = None
    image_size: int | None = None
    machine: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class SeriesPoint:
    """One result of a series, or, downsampled, the median result of a bucket of `runs` results."""

    run_id: str
    created_at: datetime
    commit_sha: str | None
    machine: str
    history_key: str
    backend: str
    threads: int
    batch_size: int
    image_size: int
    median: float
    q1: float
    q3: float
    iqr: float
    n: int
    runs: int = 1
    # The slowest and fastest median in the bucket; the point's own median when it stands alone.
    low: float | None = None
    high: float | None = None
    samples: list[float] = field(default_factory=list)
    compile_seconds: float | None = None
    peak_memory_bytes: int | None = None
    noisy: bool = False
    # This result's paired speed over jit in the same run (median of per-round ratios).
    ratio_to_jit: float | None = None
    configuration: str = ""
    # This result's paired speed over the fastest reference runtime of its run, and which that was.
    ratio_to_best_reference: float | None = None
    best_reference: str | None = None
    # Its paired speed over the same backend at the run's fewest threads, and that count.
    scaling: float | None = None
    scaling_threads: int | None = None


@dataclass(frozen=True)
class SeriesLine:
    """One series within a query: its identity and how many results it holds."""

    history_key: str
    machine: str
    backend: str
    threads: int
    batch_size: int
    image_size: int
    configuration: str
    points: int
    first: datetime
    last: datetime


@dataclass(frozen=True)
class SampledSeries:
    lines: list[SeriesLine]
    points: list[SeriesPoint]

    @property
    def total_points(self) -> int:
        return sum(line.points for line in self.lines)

    @property
    def downsampled(self) -> bool:
        return len(self.points) < self.total_points


def matching(session: Session, query: SeriesQuery, results: Any = ResultRow) -> list[ColumnElement[bool]]:
    """The WHERE of a series query, on `results` alone (or an alias of it), so that the indexes answer it."""
    conditions = [results.model == query.model, results.status == Status.OK.value, results.median.is_not(None)]
    if query.backend:
        conditions.append(results.backend == query.backend)
    if query.threads:
        conditions.append(results.threads == query.threads)
    if query.batch_size:
        conditions.append(results.batch_size == query.batch_size)
    if query.image_size:
        conditions.append(results.image_size == query.image_size)
    if query.machine:
        machine_ids = select(MachineRow.id).where(
            (MachineRow.fingerprint == query.machine) | (MachineRow.hostname == query.machine)
        )
        conditions.append(results.machine_id.in_(session.scalars(machine_ids).all()))
    if query.since:
        conditions.append(results.created_at >= query.since)
    if query.until:
        conditions.append(results.created_at <= query.until)
    return conditions


def series_lines(session: Session, query: SeriesQuery) -> list[SeriesLine]:
    """The series a query covers, with their sizes, in a stable order."""
    counted = (
        select(
            ResultRow.history_key, ResultRow.machine_id, ResultRow.backend, ResultRow.threads,
            ResultRow.batch_size, ResultRow.image_size, ResultRow.configuration, func.count().label("points"),
            func.min(ResultRow.created_at).label("first"), func.max(ResultRow.created_at).label("last"),
        )
        .where(*matching(session, query))
        .group_by(
            ResultRow.history_key, ResultRow.machine_id, ResultRow.backend, ResultRow.threads,
            ResultRow.batch_size, ResultRow.image_size, ResultRow.configuration,
        )
        .subquery()
    )
    statement = select(counted, MachineRow.fingerprint).join(MachineRow, MachineRow.id == counted.c.machine_id)
    lines = [
        SeriesLine(
            history_key=row.history_key, machine=row.fingerprint, backend=row.backend, threads=row.threads,
            batch_size=row.batch_size, image_size=row.image_size, configuration=row.configuration, points=row.points,
            first=utc(row.first), last=utc(row.last),
        )
        for row in session.execute(statement)
    ]
    return sorted(lines, key=lambda line: (line.backend, line.threads, line.batch_size, line.image_size,
                                           line.machine, line.history_key))


def sampled_series(
    session: Session, query: SeriesQuery, max_points: int, *, include_samples: bool = False
) -> SampledSeries:
    """At most `max_points` points over all lines of the query, oldest first.

    Each line gets an equal share of the points. A line longer than its share is cut into
    that many buckets of consecutive results (ntile); a bucket is shown by its median
    result, a real measurement with its own run and commit, so a step in speed stays where
    it happened, and carries the bucket's lowest and highest median and its size.
    """
    max_points = max(1, min(max_points, MAX_POINTS_LIMIT))
    lines = series_lines(session, query)
    if not lines:
        return SampledSeries(lines=[], points=[])
    if sum(line.points for line in lines) <= max_points:
        return SampledSeries(lines=lines, points=full_points(session, query, include_samples))
    per_line = max(1, max_points // len(lines))
    return SampledSeries(lines=lines, points=bucket_points(session, query, per_line, include_samples))


def ordering_columns() -> list:
    """What bucketing reads: all of it in ix_results_series, so PostgreSQL never visits the table."""
    return [
        ResultRow.id, ResultRow.run_pk, ResultRow.history_key, ResultRow.created_at, ResultRow.machine_id,
        ResultRow.backend, ResultRow.threads, ResultRow.batch_size, ResultRow.image_size, ResultRow.median,
    ]


def detail_columns(include_samples: bool) -> list:
    """What a drawn point shows besides: read for the points kept only."""
    columns = [
        ResultRow.q1, ResultRow.q3, ResultRow.iqr, ResultRow.n_samples, ResultRow.compile_seconds,
        ResultRow.peak_memory_bytes, ResultRow.noisy, ResultRow.ratio_median, ResultRow.configuration,
        ResultRow.reference_ratio_median, ResultRow.best_reference, ResultRow.scaling_median,
        ResultRow.scaling_threads,
    ]
    return columns + [ResultRow.samples] if include_samples else columns


def full_points(session: Session, query: SeriesQuery, include_samples: bool) -> list[SeriesPoint]:
    rows = select(*ordering_columns()).where(*matching(session, query)).subquery()
    statement = with_details(select(rows), rows, include_samples).order_by(
        rows.c.created_at, rows.c.run_pk, rows.c.history_key
    )
    return [to_point(row, include_samples) for row in session.execute(statement)]


def bucket_points(session: Session, query: SeriesQuery, per_line: int, include_samples: bool) -> list[SeriesPoint]:
    # Series order as the index holds it: no sort before the buckets are numbered.
    in_order = (ResultRow.created_at, ResultRow.run_pk)
    # The share is computed here, an integer, so it goes into the SQL as a literal.
    bucket = func.ntile(literal_column(str(int(per_line)))).over(partition_by=ResultRow.history_key, order_by=in_order)
    numbered = select(*ordering_columns(), bucket.label("bucket")).where(*matching(session, query)).subquery()

    # One window over each bucket, in median order, framed to the whole bucket: a single pass
    # numbers the results and finds the bucket's size, lowest and highest median.
    def over_bucket(function):
        return function.over(
            partition_by=(numbered.c.history_key, numbered.c.bucket),
            order_by=(numbered.c.median, numbered.c.run_pk), rows=(None, None),
        )

    ranked = select(
        numbered,
        over_bucket(func.row_number()).label("rank"),
        over_bucket(func.count()).label("runs"),
        over_bucket(func.first_value(numbered.c.median)).label("low"),
        over_bucket(func.last_value(numbered.c.median)).label("high"),
    ).subquery()
    # The lower median of the bucket: rank (runs + 1) // 2, written without integer division.
    middle = or_(ranked.c.rank * 2 == ranked.c.runs, ranked.c.rank * 2 == ranked.c.runs + 1)
    statement = (
        with_details(select(ranked), ranked, include_samples)
        .where(middle)
        .order_by(ranked.c.created_at, ranked.c.run_pk, ranked.c.history_key)
    )
    return [to_point(row, include_samples) for row in session.execute(statement)]


def with_details(statement: Select, rows: Any, include_samples: bool) -> Select:
    detail = aliased(ResultRow)
    return (
        statement.add_columns(
            *(getattr(detail, column.key) for column in detail_columns(include_samples)),
            RunRow.run_id.label("run_uuid"), RunRow.commit_sha, MachineRow.fingerprint,
        )
        .join(detail, detail.id == rows.c.id)
        .join(RunRow, RunRow.id == rows.c.run_pk)
        .join(MachineRow, MachineRow.id == rows.c.machine_id)
    )


def to_point(row: Any, include_samples: bool) -> SeriesPoint:
    mapping = row._mapping
    return SeriesPoint(
        run_id=row.run_uuid, created_at=utc(row.created_at), commit_sha=row.commit_sha, machine=row.fingerprint,
        history_key=row.history_key, backend=row.backend, threads=row.threads, batch_size=row.batch_size,
        image_size=row.image_size, median=row.median, q1=row.q1 or 0.0, q3=row.q3 or 0.0, iqr=row.iqr or 0.0,
        n=row.n_samples or 0, runs=mapping.get("runs", 1), low=mapping.get("low", row.median),
        high=mapping.get("high", row.median), samples=list(row.samples or []) if include_samples else [],
        compile_seconds=row.compile_seconds, peak_memory_bytes=row.peak_memory_bytes, noisy=bool(row.noisy),
        ratio_to_jit=row.ratio_median, configuration=row.configuration or "",
        ratio_to_best_reference=row.reference_ratio_median, best_reference=row.best_reference,
        scaling=row.scaling_median, scaling_threads=row.scaling_threads,
    )


def series(session: Session, query: SeriesQuery, *, newest: int | None = None) -> list[SeriesPoint]:
    """Every successful result of the query with its raw samples, oldest first; or only the newest few."""
    if newest is None:
        return full_points(session, query, include_samples=True)
    rows = (
        select(*ordering_columns()).where(*matching(session, query))
        .order_by(ResultRow.created_at.desc(), ResultRow.run_pk.desc(), ResultRow.history_key.desc())
        .limit(newest)
        .subquery()
    )
    statement = with_details(select(rows), rows, include_samples=True).order_by(
        rows.c.created_at, rows.c.run_pk, rows.c.history_key
    )
    return [to_point(row, include_samples=True) for row in session.execute(statement)]


@dataclass(frozen=True)
class Night:
    """One successful result of a series, as step detection and week-over-week changes read it."""

    run_id: str
    created_at: datetime
    median: float
    ratio_to_jit: float | None = None
    ratio_to_best_reference: float | None = None
    best_reference: str | None = None
    # Its paired speed over the same backend at the run's fewest threads, and that count.
    scaling: float | None = None
    scaling_threads: int | None = None


def line_medians(
    session: Session, history_keys: Sequence[str], since: datetime | None = None
) -> dict[str, list[Night]]:
    """The successful medians of these series (from `since` on), oldest first."""
    found: dict[str, list[Night]] = {key: [] for key in history_keys}
    if not history_keys:
        return found
    statement = (
        select(
            ResultRow.history_key, RunRow.run_id, ResultRow.created_at, ResultRow.median, ResultRow.ratio_median,
            ResultRow.reference_ratio_median, ResultRow.best_reference, ResultRow.scaling_median,
            ResultRow.scaling_threads,
        )
        .join(RunRow, RunRow.id == ResultRow.run_pk)
        .where(
            ResultRow.history_key.in_(list(history_keys)), ResultRow.status == Status.OK.value,
            ResultRow.median.is_not(None),
        )
        .order_by(ResultRow.history_key, ResultRow.created_at, ResultRow.run_pk)
    )
    if since is not None:
        statement = statement.where(ResultRow.created_at >= since)
    for key, run_id, created_at, median, ratio, reference_ratio, reference, scaling, scaling_threads in session.execute(
        statement
    ):
        found[key].append(
            Night(run_id, utc(created_at), median, ratio, reference_ratio, reference, scaling, scaling_threads)
        )
    return found


def speedup_lines(
    session: Session, query: SeriesQuery, max_points: int, contender: str = "tvm", reference: str = "jit"
) -> dict[int, list[tuple[datetime, float]]]:
    """contender/reference median rate per thread count, downsampled like the series, oldest first.

    A ratio is formed within one run, for the same model, batch size, image size and thread
    count; a line per thread count holds at most its share of `max_points`, each the median
    ratio of a bucket of consecutive ratios.
    """
    mine, theirs = aliased(ResultRow), aliased(ResultRow)
    wide = replace(query, backend=None)
    pairs = (
        select(
            mine.threads, mine.created_at, mine.run_pk, mine.batch_size, mine.image_size,
            (mine.median / theirs.median).label("ratio"),
        )
        .join(theirs, and_(
            theirs.run_pk == mine.run_pk, theirs.model == mine.model, theirs.batch_size == mine.batch_size,
            theirs.image_size == mine.image_size, theirs.threads == mine.threads, theirs.backend == reference,
            theirs.status == Status.OK.value, theirs.median > 0,
        ))
        .where(mine.backend == contender, *matching(session, wide, mine))
    )
    if query.backend not in (None, contender, reference):
        return {}
    line_count = session.scalar(select(func.count(func.distinct(pairs.subquery().c.threads)))) or 0
    if not line_count:
        return {}
    per_line = max(1, max_points // line_count)
    counted = pairs.add_columns(
        func.ntile(literal_column(str(int(per_line)))).over(
            partition_by=mine.threads, order_by=(mine.created_at, mine.run_pk, mine.batch_size, mine.image_size)
        ).label("bucket")
    ).subquery()
    ranked = select(
        counted,
        func.row_number().over(
            partition_by=(counted.c.threads, counted.c.bucket), order_by=(counted.c.ratio, counted.c.run_pk),
        ).label("rank"),
        func.count().over(partition_by=(counted.c.threads, counted.c.bucket)).label("runs"),
    ).subquery()
    middle = or_(ranked.c.rank * 2 == ranked.c.runs, ranked.c.rank * 2 == ranked.c.runs + 1)
    statement = (
        select(ranked.c.threads, ranked.c.created_at, ranked.c.ratio)
        .where(middle)
        .order_by(ranked.c.threads, ranked.c.created_at, ranked.c.run_pk, ranked.c.batch_size, ranked.c.image_size)
    )
    lines: dict[int, list[tuple[datetime, float]]] = {}
    for threads, created_at, ratio in session.execute(statement):
        lines.setdefault(threads, []).append((utc(created_at), ratio))
    return lines
