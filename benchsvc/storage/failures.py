"""Results that did not produce a usable rate: failed, invalid or degraded, with their reason."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from benchsvc.domain import Status
from benchsvc.storage.repository import utc
from benchsvc.storage.series import SeriesQuery
from benchsvc.storage.tables import MachineRow, ResultRow, RunRow


@dataclass(frozen=True)
class FailedResult:
    run_id: str
    created_at: datetime
    machine: str
    model: str
    backend: str
    threads: int
    batch_size: int
    status: str
    reason: str


def failed_results(session: Session, query: SeriesQuery) -> list[FailedResult]:
    """Every result of the queried case whose status is not ok, oldest first."""
    statement = (
        select(ResultRow, RunRow.run_id, RunRow.created_at, MachineRow.fingerprint)
        .join(RunRow, ResultRow.run_pk == RunRow.id)
        .join(MachineRow, RunRow.machine_id == MachineRow.id)
        .where(ResultRow.model == query.model, ResultRow.status != Status.OK.value)
    )
    if query.backend:
        statement = statement.where(ResultRow.backend == query.backend)
    if query.threads:
        statement = statement.where(ResultRow.threads == query.threads)
    if query.batch_size:
        statement = statement.where(ResultRow.batch_size == query.batch_size)
    if query.image_size:
        statement = statement.where(ResultRow.image_size == query.image_size)
    if query.machine:
        statement = statement.where((MachineRow.fingerprint == query.machine) | (MachineRow.hostname == query.machine))
    if query.since:
        statement = statement.where(RunRow.created_at >= query.since)
    if query.until:
        statement = statement.where(RunRow.created_at <= query.until)
    statement = statement.order_by(RunRow.created_at, RunRow.id, ResultRow.id)
    return [
        FailedResult(
            run_id=run_id, created_at=utc(created_at), machine=fingerprint, model=row.model, backend=row.backend,
            threads=row.threads, batch_size=row.batch_size, status=row.status, reason=reason_of(row),
        )
        for row, run_id, created_at, fingerprint in session.execute(statement)
    ]


def reason_of(row: ResultRow) -> str:
    if row.error:
        return row.error
    if row.status == Status.INVALID.value and row.max_abs_diff is not None:
        return (f"output differs from eager: max abs diff {row.max_abs_diff:.3g} > tolerance {row.tolerance:.3g}"
                f"{'' if row.top5_match else ', top-5 classes differ'}")
    return f"status {row.status}, no reason stored"
