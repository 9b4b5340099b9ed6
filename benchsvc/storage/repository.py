"""The only module that reads and writes runs, results and machines."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from benchsvc.domain import (
    Commit,
    Correctness,
    Interference,
    Machine,
    RatioToJit,
    RatioToReference,
    Result,
    RunDocument,
    Software,
    Status,
    Summary,
    ThreadScaling,
    Tuning,
)
from benchsvc.storage.result_rows import insert_results
from benchsvc.storage.tables import MachineRow, ResultRow, RunRow


@dataclass(frozen=True)
class SaveOutcome:
    run_id: uuid.UUID
    created: bool
    # The stored run's primary key, which queued work refers to.
    run_pk: int


@dataclass(frozen=True)
class RunFilter:
    machine: str | None = None
    model: str | None = None
    backend: str | None = None
    commit: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def utc(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything we store is UTC.
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def save_run(session: Session, document: RunDocument) -> SaveOutcome:
    """Store a run once: a second save of the same run_id changes nothing."""
    existing = session.scalar(select(RunRow.id).where(RunRow.run_id == str(document.run_id)))
    if existing is not None:
        return SaveOutcome(document.run_id, created=False, run_pk=existing)
    machine = upsert_machine(session, document.machine)
    session.flush()
    run = RunRow(**run_values(document, machine.id))
    session.add(run)
    session.flush()
    insert_results(session, [
        {**result_values(result, document, machine.id), "run_pk": run.id} for result in document.results
    ])
    return SaveOutcome(document.run_id, created=True, run_pk=run.id)


def run_values(document: RunDocument, machine_id: int) -> dict[str, Any]:
    """The columns of a run's row; the ORM and the bulk path both store exactly these."""
    return dict(
        run_id=str(document.run_id),
        machine_id=machine_id,
        created_at=utc(document.created_at),
        ingested_at=datetime.now(timezone.utc),
        python_version=document.software.python,
        torch_version=document.software.torch,
        torchvision_version=document.software.torchvision,
        tvm_version=document.software.tvm,
        benchsvc_version=document.software.benchsvc,
        commit_repo=document.commit.repo if document.commit else None,
        commit_sha=document.commit.sha if document.commit else None,
        commit_branch=document.commit.branch if document.commit else None,
        commit_pr=document.commit.pr if document.commit else None,
        tags=dict(document.tags),
    )


def upsert_machine(session: Session, machine: Machine) -> MachineRow:
    now = datetime.now(timezone.utc)
    row = session.scalar(select(MachineRow).where(MachineRow.fingerprint == machine.fingerprint))
    if row is None:
        row = MachineRow(
            fingerprint=machine.fingerprint,
            hostname=machine.hostname,
            cpu_model=machine.cpu_model,
            cpu_flags=list(machine.cpu_flags),
            cores=machine.cores,
            memory_bytes=machine.memory_bytes,
            os=machine.os,
            first_seen=now,
        )
        session.add(row)
    row.last_seen = now
    return row


def result_values(result: Result, document: RunDocument, machine_id: int) -> dict[str, Any]:
    """The columns of a result's row, without its run_pk, which the caller knows once the run is stored."""
    summary = result.summary
    correctness = result.correctness
    reference = result.ratio_to_best_reference
    scaling = result.scaling
    return dict(
        history_key=result.history_key(document.machine),
        created_at=utc(document.created_at),
        machine_id=machine_id,
        model=result.model,
        backend=result.backend,
        batch_size=result.batch_size,
        image_size=result.image_size,
        threads=result.threads,
        status=result.status.value,
        error=result.error,
        samples=list(result.samples),
        calls_per_sample=result.calls_per_sample,
        warmup_calls=result.warmup_calls,
        median=summary.median if summary else None,
        q1=summary.q1 if summary else None,
        q3=summary.q3 if summary else None,
        iqr=summary.iqr if summary else None,
        mean=summary.mean if summary else None,
        stdev=summary.stdev if summary else None,
        cov=summary.cov if summary else None,
        n_samples=summary.n if summary else None,
        compile_seconds=result.compile_seconds,
        peak_memory_bytes=result.peak_memory_bytes,
        max_abs_diff=correctness.max_abs_diff if correctness else None,
        tolerance=correctness.tolerance if correctness else None,
        top5_match=correctness.top5_match if correctness else None,
        valid=correctness.valid if correctness else None,
        explain=result.explain,
        configuration=result.configuration,
        ratio_median=result.ratio_to_jit.median if result.ratio_to_jit else None,
        ratio_low=result.ratio_to_jit.low if result.ratio_to_jit else None,
        ratio_high=result.ratio_to_jit.high if result.ratio_to_jit else None,
        best_reference=reference.reference if reference else None,
        reference_ratio_median=reference.median if reference else None,
        reference_ratio_low=reference.low if reference else None,
        reference_ratio_high=reference.high if reference else None,
        scaling_threads=scaling.threads if scaling else None,
        scaling_median=scaling.median if scaling else None,
        scaling_low=scaling.low if scaling else None,
        scaling_high=scaling.high if scaling else None,
        cpu_share=result.interference.cpu_share if result.interference else None,
        steal_fraction=result.interference.steal_fraction if result.interference else None,
        noisy=result.noisy,
        coverage=result.coverage,
        tuning=result.tuning.model_dump() if result.tuning else None,
    )


def find_run_pk(session: Session, run_id: uuid.UUID | str) -> int | None:
    return session.scalar(select(RunRow.id).where(RunRow.run_id == str(run_id)))


def run_id_of(session: Session, run_pk: int) -> str | None:
    return session.scalar(select(RunRow.run_id).where(RunRow.id == run_pk))


def get_run(session: Session, run_id: uuid.UUID | str) -> RunDocument | None:
    row = session.scalar(select(RunRow).where(RunRow.run_id == str(run_id)))
    return to_document(row) if row is not None else None


def count_runs(session: Session, run_filter: RunFilter) -> int:
    query = filtered_runs(run_filter).with_only_columns(func.count(func.distinct(RunRow.id)))
    return session.scalar(query.order_by(None)) or 0


def list_runs(
    session: Session, run_filter: RunFilter, *, limit: int = 50, offset: int = 0, include_samples: bool = True
) -> list[RunDocument]:
    """One page of runs, newest first; their results come in one query, raw samples only when asked."""
    query = filtered_runs(run_filter).order_by(RunRow.created_at.desc(), RunRow.id.desc())
    rows = session.scalars(query.limit(limit).offset(offset)).unique().all()
    if not rows:
        return []
    columns = [column for column in ResultRow.__table__.columns if include_samples or column.name != "samples"]
    by_run: dict[int, list[Result]] = {row.id: [] for row in rows}
    results = select(*columns).where(ResultRow.run_pk.in_(list(by_run))).order_by(ResultRow.id)
    for result in session.execute(results):
        by_run[result.run_pk].append(to_result(result, include_samples=include_samples))
    return [to_document(row, by_run[row.id]) for row in rows]


@dataclass(frozen=True)
class RunHeadline:
    """What names a run in a list: no results."""

    run_id: str
    created_at: datetime
    hostname: str
    machine: str
    commit_sha: str | None


def recent_runs(session: Session, limit: int) -> list[RunHeadline]:
    statement = (
        select(RunRow.run_id, RunRow.created_at, MachineRow.hostname, MachineRow.fingerprint, RunRow.commit_sha)
        .join(MachineRow, MachineRow.id == RunRow.machine_id)
        .order_by(RunRow.created_at.desc(), RunRow.id.desc())
        .limit(limit)
    )
    return [
        RunHeadline(run_id, utc(created_at), hostname, fingerprint, sha)
        for run_id, created_at, hostname, fingerprint, sha in session.execute(statement)
    ]


def latest_run_per_machine(session: Session) -> dict[str, RunHeadline]:
    """Each machine's newest run, by machine fingerprint."""
    newest = (
        select(
            RunRow.id,
            func.row_number().over(
                partition_by=RunRow.machine_id, order_by=(RunRow.created_at.desc(), RunRow.id.desc())
            ).label("rank"),
        ).subquery()
    )
    statement = (
        select(RunRow.run_id, RunRow.created_at, MachineRow.hostname, MachineRow.fingerprint, RunRow.commit_sha)
        .join(newest, (newest.c.id == RunRow.id) & (newest.c.rank == 1))
        .join(MachineRow, MachineRow.id == RunRow.machine_id)
    )
    return {
        fingerprint: RunHeadline(run_id, utc(created_at), hostname, fingerprint, sha)
        for run_id, created_at, hostname, fingerprint, sha in session.execute(statement)
    }


def run_headlines(session: Session, run_ids: list[str]) -> list[RunHeadline]:
    statement = (
        select(RunRow.run_id, RunRow.created_at, MachineRow.hostname, MachineRow.fingerprint, RunRow.commit_sha)
        .join(MachineRow, MachineRow.id == RunRow.machine_id)
        .where(RunRow.run_id.in_(run_ids))
    )
    return [RunHeadline(run_id, utc(created_at), hostname, fingerprint, sha)
            for run_id, created_at, hostname, fingerprint, sha in session.execute(statement)]


@dataclass(frozen=True)
class Case:
    model: str
    backend: str
    threads: int
    batch_size: int
    image_size: int
    history_key: str
    status: str
    error: str | None


def cases_of_run(session: Session, run_id: str) -> list[Case]:
    """The cases one run measured, in the order it measured them, with how each went."""
    statement = (
        select(ResultRow.model, ResultRow.backend, ResultRow.threads, ResultRow.batch_size, ResultRow.image_size,
               ResultRow.history_key, ResultRow.status, ResultRow.error)
        .join(RunRow, RunRow.id == ResultRow.run_pk)
        .where(RunRow.run_id == run_id)
        .order_by(ResultRow.id)
    )
    return [Case(*row) for row in session.execute(statement)]


def filtered_runs(run_filter: RunFilter) -> Select[tuple[RunRow]]:
    query = select(RunRow).join(RunRow.machine)
    if run_filter.machine:
        query = query.where(
            (MachineRow.fingerprint == run_filter.machine) | (MachineRow.hostname == run_filter.machine)
        )
    if run_filter.model or run_filter.backend:
        matching = select(ResultRow.run_pk)
        if run_filter.model:
            matching = matching.where(ResultRow.model == run_filter.model)
        if run_filter.backend:
            matching = matching.where(ResultRow.backend == run_filter.backend)
        query = query.where(RunRow.id.in_(matching))
    if run_filter.commit:
        query = query.where(RunRow.commit_sha.startswith(run_filter.commit))
    if run_filter.since:
        query = query.where(RunRow.created_at >= run_filter.since)
    if run_filter.until:
        query = query.where(RunRow.created_at <= run_filter.until)
    return query


def list_machines(session: Session) -> list[tuple[Machine, datetime, datetime]]:
    rows = session.scalars(select(MachineRow).order_by(MachineRow.hostname, MachineRow.id)).all()
    return [(to_machine(row), utc(row.first_seen), utc(row.last_seen)) for row in rows]


def to_machine(row: MachineRow) -> Machine:
    return Machine(
        hostname=row.hostname,
        cpu_model=row.cpu_model,
        cpu_flags=list(row.cpu_flags),
        cores=row.cores,
        memory_bytes=row.memory_bytes,
        os=row.os,
    )


def to_document(row: RunRow, results: list[Result] | None = None) -> RunDocument:
    commit = (
        Commit(repo=row.commit_repo, sha=row.commit_sha, branch=row.commit_branch, pr=row.commit_pr)
        if row.commit_sha
        else None
    )
    # Validated on the way in; a listing without samples would not pass the "ok needs samples" rule.
    return RunDocument.model_construct(
        run_id=uuid.UUID(row.run_id),
        created_at=utc(row.created_at),
        machine=to_machine(row.machine),
        software=Software(
            python=row.python_version,
            torch=row.torch_version,
            torchvision=row.torchvision_version,
            tvm=row.tvm_version,
            benchsvc=row.benchsvc_version,
        ),
        commit=commit,
        tags=dict(row.tags or {}),
        results=results if results is not None else [to_result(result) for result in row.results],
    )


def to_result(row: Any, *, include_samples: bool = True) -> Result:
    """A result from its stored row, an ORM object or a plain row of the same column names."""
    summary = None
    if row.median is not None:
        summary = Summary.model_construct(
            median=row.median, q1=row.q1, q3=row.q3, iqr=row.iqr, mean=row.mean,
            stdev=row.stdev, cov=row.cov, n=row.n_samples,
        )
    correctness = None
    if row.valid is not None:
        correctness = Correctness.model_construct(
            max_abs_diff=row.max_abs_diff, tolerance=row.tolerance,
            top5_match=row.top5_match, valid=row.valid,
        )
    # Stored rows were validated on their way in; checking every field again on each read of
    # a page of thousands of results would cost more than the query.
    return Result.model_construct(
        model=row.model,
        backend=row.backend,
        batch_size=row.batch_size,
        image_size=row.image_size,
        threads=row.threads,
        status=Status(row.status),
        error=row.error,
        samples=list(row.samples or []) if include_samples else [],
        calls_per_sample=row.calls_per_sample,
        warmup_calls=row.warmup_calls,
        summary=summary,
        compile_seconds=row.compile_seconds,
        peak_memory_bytes=row.peak_memory_bytes,
        correctness=correctness,
        explain=row.explain,
        ratio_to_jit=(
            RatioToJit(median=row.ratio_median, low=row.ratio_low, high=row.ratio_high)
            if row.ratio_median is not None
            else None
        ),
        ratio_to_best_reference=(
            RatioToReference(
                reference=row.best_reference, median=row.reference_ratio_median,
                low=row.reference_ratio_low, high=row.reference_ratio_high,
            )
            if row.best_reference is not None and row.reference_ratio_median is not None
            else None
        ),
        scaling=(
            ThreadScaling(
                threads=row.scaling_threads, median=row.scaling_median, low=row.scaling_low, high=row.scaling_high,
            )
            if row.scaling_threads is not None and row.scaling_median is not None
            else None
        ),
        interference=(
            Interference(cpu_share=row.cpu_share, steal_fraction=row.steal_fraction)
            if row.cpu_share is not None
            else None
        ),
        noisy=bool(row.noisy),
        coverage=row.coverage,
        tuning=Tuning.model_validate(row.tuning) if row.tuning else None,
        configuration=row.configuration or "",
    )

