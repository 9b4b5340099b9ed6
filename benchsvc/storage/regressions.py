"""Stored regressions: what detection found, and the state people give it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from enum import StrEnum

from pydantic import BaseModel, ConfigDict
from sqlalchemy import DateTime, Float, ForeignKey, Integer, Select, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, aliased, mapped_column

from benchsvc.analysis import DetectionSettings, Direction, latest_change
from benchsvc.domain import RunDocument, Status
from benchsvc.storage.repository import utc
from benchsvc.storage.tables import Base, MachineRow, ResultRow, RunRow


class RegressionState(StrEnum):
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    FIXED = "fixed"
    FALSE_ALARM = "false_alarm"


OPEN_STATES = (RegressionState.NEW, RegressionState.ACKNOWLEDGED)


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
    before: Mapped[float] = mapped_column(Float)
    after: Mapped[float] = mapped_column(Float)
    confidence: Mapped[float] = mapped_column(Float)
    state: Mapped[str] = mapped_column(String(16), index=True)
    detected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Regression(BaseModel):
    """A sustained slowdown of one series, reported at the run where it began."""

    model_config = ConfigDict(frozen=True)

    id: int
    state: RegressionState
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
    detected_run_id: str
    detected_at: datetime
    before: float
    after: float
    change_percent: float
    confidence: float


@dataclass(frozen=True)
class RegressionFilter:
    state: RegressionState | None = None
    open_only: bool = False
    model: str | None = None
    backend: str | None = None
    machine: str | None = None
    since: datetime | None = None


@dataclass(frozen=True)
class NightOfSeries:
    """One stored result in a series, in the shape detection reads."""

    run_pk: int
    run_id: str
    median: float


def recent_nights(session: Session, history_key: str, limit: int) -> list[NightOfSeries]:
    """The newest `limit` successful results of one series, oldest first."""
    statement = (
        select(RunRow.id, RunRow.run_id, ResultRow.median)
        .join(RunRow, ResultRow.run_pk == RunRow.id)
        .where(ResultRow.history_key == history_key, ResultRow.status == "ok", ResultRow.median.is_not(None))
        .order_by(RunRow.created_at.desc(), RunRow.id.desc())
        .limit(limit)
    )
    rows = session.execute(statement).all()
    return [NightOfSeries(pk, run_id, median) for pk, run_id, median in reversed(rows)]


def record_regressions(
    session: Session, document: RunDocument, settings: DetectionSettings, *, lookback: int = 90
) -> list[Regression]:
    """Detect and store the slowdowns that this just-saved run confirms, one per series.

    Called in the ingest transaction, right after save_run. Only a run that is the
    newest of its series can confirm a step; a run posted late (a backfill) is stored
    but judges nothing, so an old night never raises a fresh alarm.
    """
    found: list[Regression] = []
    machine = session.scalar(select(MachineRow).where(MachineRow.fingerprint == document.machine.fingerprint))
    for result in document.results:
        if result.status is not Status.OK:
            continue
        key = result.history_key(document.machine)
        nights = recent_nights(session, key, lookback)
        if machine is None or not nights or nights[-1].run_id != str(document.run_id):
            continue
        step = latest_change(nights, settings)
        if step is None or step.direction is not Direction.SLOWER:
            continue
        now = datetime.now(timezone.utc)
        stored = add_regression(session, RegressionRow(
            history_key=key, machine_id=machine.id, model=result.model, backend=result.backend,
            batch_size=result.batch_size, image_size=result.image_size, threads=result.threads,
            start_run_pk=nights[step.index].run_pk, detected_run_pk=nights[-1].run_pk,
            before=step.before, after=step.after, confidence=step.confidence,
            state=RegressionState.NEW.value, detected_at=now, updated_at=now,
        ))
        if stored is not None:
            found.append(stored)
    return found


def add_regression(session: Session, row: RegressionRow) -> Regression | None:
    """Store a detected regression once per series and start run; None when it was already there."""
    exists = session.scalar(
        select(RegressionRow.id).where(
            RegressionRow.history_key == row.history_key, RegressionRow.start_run_pk == row.start_run_pk
        )
    )
    if exists is not None:
        return None
    session.add(row)
    session.flush()
    return get_regression(session, row.id)


def get_regression(session: Session, regression_id: int) -> Regression | None:
    found = session.execute(regressions_query().where(RegressionRow.id == regression_id)).first()
    return to_regression(*found) if found else None


def list_regressions(
    session: Session, regression_filter: RegressionFilter, *, worst_first: bool = False, limit: int = 100
) -> list[Regression]:
    query = regressions_query()
    if regression_filter.state:
        query = query.where(RegressionRow.state == regression_filter.state.value)
    if regression_filter.open_only:
        query = query.where(RegressionRow.state.in_([state.value for state in OPEN_STATES]))
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
    # after/before - 1 orders by relative size: the deepest slowdown first.
    order = (RegressionRow.after / RegressionRow.before,) if worst_first else (RegressionRow.detected_at.desc(),)
    return [to_regression(*row) for row in session.execute(query.order_by(*order, RegressionRow.id.desc()).limit(limit))]


def set_state(session: Session, regression_id: int, state: RegressionState) -> Regression | None:
    row = session.get(RegressionRow, regression_id)
    if row is None:
        return None
    row.state = state.value
    row.updated_at = datetime.now(timezone.utc)
    session.flush()
    return get_regression(session, regression_id)


StartRun = aliased(RunRow)
DetectedRun = aliased(RunRow)


def regressions_query() -> Select:
    return (
        select(RegressionRow, MachineRow, StartRun, DetectedRun)
        .join(MachineRow, RegressionRow.machine_id == MachineRow.id)
        .join(StartRun, RegressionRow.start_run_pk == StartRun.id)
        .join(DetectedRun, RegressionRow.detected_run_pk == DetectedRun.id)
    )


def to_regression(row: RegressionRow, machine: MachineRow, start: RunRow, detected: RunRow) -> Regression:
    return Regression(
        id=row.id, state=RegressionState(row.state), model=row.model, backend=row.backend,
        batch_size=row.batch_size, image_size=row.image_size, threads=row.threads,
        machine=machine.fingerprint, hostname=machine.hostname,
        started_run_id=start.run_id, started_at=utc(start.created_at), commit=start.commit_sha,
        detected_run_id=detected.run_id, detected_at=utc(row.detected_at),
        before=row.before, after=row.after, change_percent=(row.after / row.before - 1.0) * 100.0,
        confidence=row.confidence,
    )

