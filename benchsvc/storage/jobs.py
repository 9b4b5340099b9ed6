"""The analysis queue: jobs stored with the run that needs them, claimed by one worker at a time.

A worker claims a job inside the transaction that does its work and marks it done, so the
job's effects and its completion commit together: a worker that dies mid-job rolls both
back and the job is claimed again. PostgreSQL lets workers pass each other's claimed rows
(FOR UPDATE SKIP LOCKED); SQLite has one writer at a time, and the claim is that write.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from benchsvc.storage.repository import utc
from benchsvc.storage.tables import AnalysisJobRow


class JobKind(StrEnum):
    DETECT = "detect"
    NOTIFY = "notify"


class JobState(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True)
class Job:
    id: int
    kind: JobKind
    run_pk: int
    payload: dict[str, Any] | None
    attempts: int


def enqueue(session: Session, kind: JobKind, run_pk: int, payload: dict[str, Any] | None = None) -> None:
    now = datetime.now(timezone.utc)
    session.add(AnalysisJobRow(
        kind=kind.value, run_pk=run_pk, payload=payload, state=JobState.PENDING.value, attempts=0,
        not_before=now, created_at=now,
    ))
    session.flush()


def claim_next(session: Session, run_pk: int | None = None) -> Job | None:
    """Claim the oldest due job (of one run, when given) for the rest of this transaction."""
    due = (
        select(AnalysisJobRow.id)
        .where(AnalysisJobRow.state == JobState.PENDING.value, AnalysisJobRow.not_before <= datetime.now(timezone.utc))
        .order_by(AnalysisJobRow.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    if run_pk is not None:
        due = due.where(AnalysisJobRow.run_pk == run_pk)
    claimed = session.execute(
        update(AnalysisJobRow)
        .where(AnalysisJobRow.id == due.scalar_subquery())
        .values(attempts=AnalysisJobRow.attempts + 1)
        .returning(AnalysisJobRow.id, AnalysisJobRow.kind, AnalysisJobRow.run_pk, AnalysisJobRow.payload,
                   AnalysisJobRow.attempts)
    ).first()
    if claimed is None:
        return None
    job_id, kind, job_run_pk, payload, attempts = claimed
    return Job(id=job_id, kind=JobKind(kind), run_pk=job_run_pk, payload=payload, attempts=attempts)


def finish(session: Session, job_id: int) -> None:
    session.execute(
        update(AnalysisJobRow)
        .where(AnalysisJobRow.id == job_id)
        .values(state=JobState.DONE.value, finished_at=datetime.now(timezone.utc), error=None)
    )


def postpone(session: Session, job_id: int, error: str, *, delay: timedelta, give_up: bool) -> None:
    """Record a failed attempt: due again after `delay`, or failed for good (kept, with its error)."""
    now = datetime.now(timezone.utc)
    session.execute(
        update(AnalysisJobRow)
        .where(AnalysisJobRow.id == job_id)
        .values(
            attempts=AnalysisJobRow.attempts + 1,
            state=JobState.FAILED.value if give_up else JobState.PENDING.value,
            not_before=now + delay, finished_at=now if give_up else None, error=error[:4000],
        )
    )


@dataclass(frozen=True)
class JobRecord:
    kind: JobKind
    state: JobState
    attempts: int
    error: str | None
    created_at: datetime
    finished_at: datetime | None


def jobs_of_run(session: Session, run_pk: int) -> list[JobRecord]:
    rows = session.scalars(select(AnalysisJobRow).where(AnalysisJobRow.run_pk == run_pk).order_by(AnalysisJobRow.id))
    return [
        JobRecord(
            kind=JobKind(row.kind), state=JobState(row.state), attempts=row.attempts, error=row.error,
            created_at=utc(row.created_at), finished_at=utc(row.finished_at) if row.finished_at else None,
        )
        for row in rows
    ]


def count_jobs(session: Session) -> dict[JobState, int]:
    counts = session.execute(select(AnalysisJobRow.state, func.count()).group_by(AnalysisJobRow.state))
    return {JobState(state): count for state, count in counts}
