"""Stored regressions: what detection found, the state people give it, and who changed it when."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

from pydantic import BaseModel, ConfigDict
from sqlalchemy import (
    ColumnElement, DateTime, Float, ForeignKey, Integer, Select, String, Text, UniqueConstraint, column, exists, func,
    select, true, values,
)
from sqlalchemy.orm import Mapped, Session, aliased, mapped_column

from benchsvc.states import RegressionState
from benchsvc.storage.repository import utc
from benchsvc.storage.tables import Base, MachineRow, ResultRow, RunRow


OPEN_STATES = (RegressionState.NEW, RegressionState.ACKNOWLEDGED)
# Who a change made by detection itself is recorded as.
DETECTION_ACTOR = "detection"


class RegressionRow(Base):
    __tablename__ = "regressions"
    __table_args__ = (UniqueConstraint("history_key", "start_run_pk", name="uq_regressions_series_start"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    history_key: Mapped[str] = mapped_column(String(32), index=True)
    machine_id: Mapped[int] = mapped_column(ForeignKey("machines.id"))
    model: Mapped[str] = mapped_column(String(64))
    backend: Mapped[str] = mapped_column(String(32))
    batch_size: Mapped[int] = mapped_column(Integer)
    image_size: Mapped[int] = mapped_column(Integer)
    threads: Mapped[int] = mapped_column(Integer)
    start_run_pk: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    detected_run_pk: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    last_good_run_pk: Mapped[int | None] = mapped_column(
        ForeignKey("runs.id", ondelete="SET NULL", name="fk_regressions_last_good_run")
    )
    recovered_run_pk: Mapped[int | None] = mapped_column(
        ForeignKey("runs.id", ondelete="SET NULL", name="fk_regressions_recovered_run")
    )
    before: Mapped[float] = mapped_column(Float)
    after: Mapped[float] = mapped_column(Float)
    # The night-to-night standard deviation of the level before the drop, in it/s.
    noise: Mapped[float | None] = mapped_column(Float)
    p_value: Mapped[float | None] = mapped_column(Float)
    confidence: Mapped[float] = mapped_column(Float)
    state: Mapped[str] = mapped_column(String(16), index=True)
    detected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RegressionEventRow(Base):
    __tablename__ = "regression_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    regression_id: Mapped[int] = mapped_column(ForeignKey("regressions.id", ondelete="CASCADE"), index=True)
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(64))
    comment: Mapped[str | None] = mapped_column(Text)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class StateChange(BaseModel):
    """One step in a regression's life: who moved it from which state to which, when and why."""

    model_config = ConfigDict(frozen=True)

    from_state: RegressionState | None
    to_state: RegressionState
    actor: str
    comment: str | None
    changed_at: datetime


class Regression(BaseModel):
    """A sustained slowdown of one series, reported at the run where it began."""

    model_config = ConfigDict(frozen=True)

    id: int
    state: RegressionState
    open: bool
    model: str
    backend: str
    batch_size: int
    image_size: int
    threads: int
    machine: str
    hostname: str
    started_run_id: str
    started_at: datetime
    commit: str | None
    last_good_run_id: str | None
    last_good_commit: str | None
    detected_run_id: str
    detected_at: datetime
    recovered_run_id: str | None
    recovered_at: datetime | None
    before: float
    after: float
    noise: float | None
    change_percent: float
    p_value: float | None
    # 1 - q: q is the Benjamini-Hochberg adjusted p-value among every series tested that night.
    confidence: float
    history: list[StateChange]


@dataclass(frozen=True)
class RegressionFilter:
    state: RegressionState | None = None
    # True: new and acknowledged only; False: every other state; None: all.
    open: bool | None = None
    model: str | None = None
    backend: str | None = None
    machine: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class NightOfSeries:
    """One stored result in a series, in the shape detection reads."""

    run_pk: int
    run_id: str
    created_at: datetime
    median: float
    samples: tuple[float, ...]


@dataclass(frozen=True)
class NewRegression:
    """What detection hands to storage to open a regression."""

    history_key: str
    machine_id: int
    model: str
    backend: str
    batch_size: int
    image_size: int
    threads: int
    start_run_pk: int
    detected_run_pk: int
    last_good_run_pk: int | None
    before: float
    after: float
    noise: float
    p_value: float
    confidence: float


@dataclass(frozen=True)
class OpenRegression:
    """An open regression as detection needs it to judge a recovery."""

    id: int
    start_run_pk: int
    before: float
    after: float
    noise: float | None


def recent_nights(session: Session, history_key: str, limit: int) -> list[NightOfSeries]:
    """The newest `limit` successful results of one series, oldest first, noisy ones left out.

    A result timed under interference says nothing about the code: it neither confirms a
    step nor shifts the baseline, so noisy results alone can never raise a regression.
    """
    statement = (
        select(RunRow.id, RunRow.run_id, RunRow.created_at, ResultRow.median, ResultRow.samples)
        .join(RunRow, ResultRow.run_pk == RunRow.id)
        .where(ResultRow.history_key == history_key, ResultRow.status == "ok", ResultRow.median.is_not(None),
               ResultRow.noisy.is_(False))
        .order_by(RunRow.created_at.desc(), RunRow.id.desc())
        .limit(limit)
    )
    rows = session.execute(statement).all()
    return [
        NightOfSeries(pk, run_id, utc(created_at), median, tuple(samples or ()))
        for pk, run_id, created_at, median, samples in reversed(rows)
    ]


@dataclass(frozen=True)
class RunPosition:
    """Where a run stands in time: when it was measured and when it was stored."""

    run_pk: int
    created_at: datetime
    ingested_at: datetime


def run_position(session: Session, run_id: str) -> RunPosition | None:
    row = session.execute(
        select(RunRow.id, RunRow.created_at, RunRow.ingested_at).where(RunRow.run_id == run_id)
    ).one_or_none()
    return RunPosition(row.id, utc(row.created_at), utc(row.ingested_at)) if row else None


def backfilled_series(session: Session, history_keys: Sequence[str], run: RunPosition) -> set[str]:
    """The series in which a run measured after this one was stored before it: this run came late."""
    if not history_keys:
        return set()
    if on_postgresql(session):
        wanted = wanted_series(history_keys)
        stored_later = (
            select(ResultRow.id).join(RunRow, ResultRow.run_pk == RunRow.id)
            .where(ResultRow.history_key == wanted.c.history_key, measured_after(run),
                   RunRow.ingested_at < run.ingested_at)
        )
        return set(session.scalars(select(wanted.c.history_key).where(exists(stored_later))))
    return set(session.scalars(
        select(ResultRow.history_key).distinct()
        .join(RunRow, ResultRow.run_pk == RunRow.id)
        .where(ResultRow.history_key.in_(sorted(set(history_keys))), measured_after(run),
               RunRow.ingested_at < run.ingested_at)
    ))


def on_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def wanted_series(history_keys: Sequence[str]):  # noqa: ANN201 - SQLAlchemy's Values has no public type
    """The series keys as a table of their own, so that PostgreSQL looks each one up in the series
    index: with `history_key IN (...)` of keys new to its statistics, it scanned all the results
    (90-135 ms per query at a million results)."""
    return values(column("history_key", String), name="wanted").data([(key,) for key in sorted(set(history_keys))])


def measured_after(run: RunPosition) -> ColumnElement[bool]:
    """Results of runs measured after this one (results carry their run's time and key); the
    plain time bound lets the series index seek instead of filtering."""
    return (ResultRow.created_at >= run.created_at) & (
        (ResultRow.created_at > run.created_at) | (ResultRow.run_pk > run.run_pk)
    )


def measured_up_to(run: RunPosition) -> ColumnElement[bool]:
    return (ResultRow.created_at <= run.created_at) & (
        (ResultRow.created_at < run.created_at) | (ResultRow.run_pk <= run.run_pk)
    )


def recent_nights_by_series(
    session: Session, history_keys: Sequence[str], limit: int, as_of: RunPosition | None = None
) -> dict[str, list[NightOfSeries]]:
    """`recent_nights` of many series in one query: detection reads a whole run's history at once.

    With `as_of`, only the nights measured up to that run: a run is judged on the history it
    had when it arrived, however long its analysis waited in the queue.
    """
    if not history_keys:
        return {}
    usable = (ResultRow.status == "ok", ResultRow.median.is_not(None), ResultRow.noisy.is_(False))
    up_to_run = measured_up_to(as_of) if as_of is not None else true()
    newest_first = (ResultRow.created_at.desc(), ResultRow.run_pk.desc())
    if on_postgresql(session):
        wanted = wanted_series(history_keys)
        latest = (
            select(ResultRow.run_pk, RunRow.run_id, ResultRow.created_at, ResultRow.median, ResultRow.samples)
            .join(RunRow, ResultRow.run_pk == RunRow.id)
            .where(ResultRow.history_key == wanted.c.history_key, *usable, up_to_run)
            .order_by(*newest_first)
            .limit(limit)
            .lateral("latest")
        )
        statement = (
            select(wanted.c.history_key, latest.c.run_pk, latest.c.run_id, latest.c.created_at, latest.c.median,
                   latest.c.samples)
            .select_from(wanted.join(latest, true()))
            .order_by(wanted.c.history_key, latest.c.created_at, latest.c.run_pk)
        )
    else:
        ranked = (
            select(
                ResultRow.history_key, ResultRow.run_pk, RunRow.run_id, ResultRow.created_at,
                ResultRow.median, ResultRow.samples,
                func.row_number().over(partition_by=ResultRow.history_key, order_by=newest_first).label("recency"),
            )
            .join(RunRow, ResultRow.run_pk == RunRow.id)
            .where(ResultRow.history_key.in_(sorted(set(history_keys))), *usable, up_to_run)
            .subquery()
        )
        statement = (
            select(ranked.c.history_key, ranked.c.run_pk, ranked.c.run_id, ranked.c.created_at, ranked.c.median,
                   ranked.c.samples)
            .where(ranked.c.recency <= limit)
            .order_by(ranked.c.history_key, ranked.c.recency.desc())
        )
    nights: dict[str, list[NightOfSeries]] = {}
    for key, pk, run_id, created_at, median, samples in session.execute(statement):
        nights.setdefault(key, []).append(NightOfSeries(pk, run_id, utc(created_at), median, tuple(samples or ())))
    return nights


def open_regressions(session: Session, history_keys: Sequence[str]) -> dict[str, OpenRegression]:
    """The newest open regression of each of these series that has one, in one query."""
    if not history_keys:
        return {}
    rows = session.scalars(
        select(RegressionRow)
        .where(RegressionRow.history_key.in_(sorted(set(history_keys))),
               RegressionRow.state.in_([state.value for state in OPEN_STATES]))
        .order_by(RegressionRow.id)
    )
    return {row.history_key: OpenRegression(row.id, row.start_run_pk, row.before, row.after, row.noise) for row in rows}


def machine_id_of(session: Session, fingerprint: str) -> int | None:
    return session.scalar(select(MachineRow.id).where(MachineRow.fingerprint == fingerprint))


def add_regression(session: Session, found: NewRegression) -> Regression | None:
    """Store a detected regression once per series and start run; None when it was already there."""
    exists = session.scalar(
        select(RegressionRow.id).where(
            RegressionRow.history_key == found.history_key, RegressionRow.start_run_pk == found.start_run_pk
        )
    )
    if exists is not None:
        return None
    now = datetime.now(timezone.utc)
    row = RegressionRow(
        **{name: getattr(found, name) for name in NewRegression.__dataclass_fields__},
        state=RegressionState.NEW.value, detected_at=now, updated_at=now,
    )
    session.add(row)
    session.flush()
    record_event(session, row.id, None, RegressionState.NEW, DETECTION_ACTOR, None, now)
    return get_regression(session, row.id)


def mark_recovered(session: Session, regression_id: int, run_pk: int, comment: str) -> Regression | None:
    """Detection closes a regression whose series came back, remembering the run where it did."""
    row = session.get(RegressionRow, regression_id)
    if row is None:
        return None
    row.recovered_run_pk = run_pk
    return change_state(session, row, RegressionState.RECOVERED, DETECTION_ACTOR, comment)


def set_state(
    session: Session, regression_id: int, state: RegressionState, *, actor: str, comment: str | None = None
) -> Regression | None:
    """A person's verdict on a regression, kept in its history with who gave it and when."""
    row = session.get(RegressionRow, regression_id)
    if row is None:
        return None
    return change_state(session, row, state, actor, comment)


def change_state(
    session: Session, row: RegressionRow, state: RegressionState, actor: str, comment: str | None
) -> Regression | None:
    now = datetime.now(timezone.utc)
    record_event(session, row.id, RegressionState(row.state), state, actor, comment, now)
    row.state = state.value
    row.updated_at = now
    session.flush()
    return get_regression(session, row.id)


def record_event(
    session: Session, regression_id: int, from_state: RegressionState | None, to_state: RegressionState,
    actor: str, comment: str | None, moment: datetime,
) -> None:
    session.add(RegressionEventRow(
        regression_id=regression_id, from_state=from_state.value if from_state else None,
        to_state=to_state.value, actor=actor, comment=comment or None, changed_at=moment,
    ))


def get_regression(session: Session, regression_id: int) -> Regression | None:
    found = session.execute(regressions_query().where(RegressionRow.id == regression_id)).first()
    return to_regressions(session, [found])[0] if found else None


def list_regressions(
    session: Session, regression_filter: RegressionFilter, *, worst_first: bool = False, limit: int = 100
) -> list[Regression]:
    query = regressions_query()
    if regression_filter.state:
        query = query.where(RegressionRow.state == regression_filter.state.value)
    if regression_filter.open is not None:
        open_states = RegressionRow.state.in_([state.value for state in OPEN_STATES])
        query = query.where(open_states if regression_filter.open else ~open_states)
    if regression_filter.model:
        query = query.where(RegressionRow.model == regression_filter.model)
    if regression_filter.backend:
        query = query.where(RegressionRow.backend == regression_filter.backend)
    if regression_filter.machine:
        query = query.where(
            (MachineRow.fingerprint == regression_filter.machine) | (MachineRow.hostname == regression_filter.machine)
        )
    if regression_filter.since:
        query = query.where(RegressionRow.detected_at >= regression_filter.since)
    if regression_filter.until:
        query = query.where(RegressionRow.detected_at <= regression_filter.until)
    # after/before - 1 orders by relative size: the deepest slowdown first.
    order = (RegressionRow.after / RegressionRow.before,) if worst_first else (RegressionRow.detected_at.desc(),)
    rows = session.execute(query.order_by(*order, RegressionRow.id.desc()).limit(limit)).all()
    return to_regressions(session, rows)


StartRun = aliased(RunRow)
DetectedRun = aliased(RunRow)
LastGoodRun = aliased(RunRow)
RecoveredRun = aliased(RunRow)


def regressions_query() -> Select:
    return (
        select(RegressionRow, MachineRow, StartRun, DetectedRun, LastGoodRun, RecoveredRun)
        .join(MachineRow, RegressionRow.machine_id == MachineRow.id)
        .join(StartRun, RegressionRow.start_run_pk == StartRun.id)
        .join(DetectedRun, RegressionRow.detected_run_pk == DetectedRun.id)
        .outerjoin(LastGoodRun, RegressionRow.last_good_run_pk == LastGoodRun.id)
        .outerjoin(RecoveredRun, RegressionRow.recovered_run_pk == RecoveredRun.id)
    )


def histories(session: Session, regression_ids: list[int]) -> dict[int, list[StateChange]]:
    found: dict[int, list[StateChange]] = {regression_id: [] for regression_id in regression_ids}
    if not regression_ids:
        return found
    events = session.scalars(
        select(RegressionEventRow)
        .where(RegressionEventRow.regression_id.in_(regression_ids))
        .order_by(RegressionEventRow.changed_at, RegressionEventRow.id)
    )
    for event in events:
        found[event.regression_id].append(StateChange(
            from_state=RegressionState(event.from_state) if event.from_state else None,
            to_state=RegressionState(event.to_state), actor=event.actor, comment=event.comment,
            changed_at=utc(event.changed_at),
        ))
    return found


def to_regressions(session: Session, rows: list) -> list[Regression]:
    history = histories(session, [row[0].id for row in rows])
    return [to_regression(*row, history=history[row[0].id]) for row in rows]


def to_regression(
    row: RegressionRow, machine: MachineRow, start: RunRow, detected: RunRow,
    last_good: RunRow | None, recovered: RunRow | None, *, history: list[StateChange],
) -> Regression:
    state = RegressionState(row.state)
    return Regression(
        id=row.id, state=state, open=state in OPEN_STATES, model=row.model, backend=row.backend,
        batch_size=row.batch_size, image_size=row.image_size, threads=row.threads,
        machine=machine.fingerprint, hostname=machine.hostname,
        started_run_id=start.run_id, started_at=utc(start.created_at), commit=start.commit_sha,
        last_good_run_id=last_good.run_id if last_good else None,
        last_good_commit=last_good.commit_sha if last_good else None,
        detected_run_id=detected.run_id, detected_at=utc(row.detected_at),
        recovered_run_id=recovered.run_id if recovered else None,
        recovered_at=utc(recovered.created_at) if recovered else None,
        before=row.before, after=row.after, noise=row.noise,
        change_percent=(row.after / row.before - 1.0) * 100.0,
        p_value=row.p_value, confidence=row.confidence, history=history,
    )
