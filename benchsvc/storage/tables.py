"""The relational schema. Alembic migrations in migrations/ create it; nothing else does."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    Unicode,
    UniqueConstraint,
)
from sqlalchemy.sql import false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    """The metadata every table registers with; Alembic compares migrations against it."""


class MachineRow(Base):
    __tablename__ = "machines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(32), unique=True)
    hostname: Mapped[str] = mapped_column(String(255))
    cpu_model: Mapped[str] = mapped_column(String(255))
    cpu_flags: Mapped[list[str]] = mapped_column(JSON)
    cores: Mapped[int] = mapped_column(Integer)
    memory_bytes: Mapped[int] = mapped_column(BigInteger)
    os: Mapped[str] = mapped_column(String(255))
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RunRow(Base):
    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[str] = mapped_column(String(36), unique=True)
    machine_id: Mapped[int] = mapped_column(ForeignKey("machines.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    ingested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    python_version: Mapped[str] = mapped_column(String(64))
    torch_version: Mapped[str] = mapped_column(String(64))
    torchvision_version: Mapped[str] = mapped_column(String(64))
    tvm_version: Mapped[str | None] = mapped_column(String(64))
    benchsvc_version: Mapped[str] = mapped_column(String(64))
    commit_repo: Mapped[str | None] = mapped_column(String(512))
    commit_sha: Mapped[str | None] = mapped_column(String(64), index=True)
    commit_branch: Mapped[str | None] = mapped_column(String(255))
    commit_pr: Mapped[int | None] = mapped_column(Integer)
    tags: Mapped[dict[str, str]] = mapped_column(JSON)

    machine: Mapped[MachineRow] = relationship(lazy="joined")
    results: Mapped[list[ResultRow]] = relationship(
        back_populates="run", cascade="all, delete-orphan", order_by="ResultRow.id"
    )


class ResultRow(Base):
    __tablename__ = "results"
    __table_args__ = (
        # Series reads scan one model (and backend) in series order, with what bucketing needs (PostgreSQL).
        Index(
            "ix_results_series", "model", "backend", "history_key", "created_at", "run_pk",
            postgresql_include=["status", "threads", "batch_size", "image_size", "machine_id", "median", "id"],
        ),
        # One series' newest nights, for detection and the week-over-week overview.
        Index("ix_results_history_time", "history_key", "created_at", postgresql_include=["status", "median", "run_pk"]),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_pk: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    history_key: Mapped[str] = mapped_column(String(32))
    # The run's time and machine, repeated here so that series reads need no join.
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    machine_id: Mapped[int] = mapped_column(ForeignKey("machines.id", name="fk_results_machine_id_machines"))
    model: Mapped[str] = mapped_column(String(64))
    backend: Mapped[str] = mapped_column(String(32))
    batch_size: Mapped[int] = mapped_column(Integer)
    image_size: Mapped[int] = mapped_column(Integer)
    threads: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    samples: Mapped[list[float]] = mapped_column(JSON)
    calls_per_sample: Mapped[int | None] = mapped_column(Integer)
    warmup_calls: Mapped[int | None] = mapped_column(Integer)
    median: Mapped[float | None] = mapped_column(Float)
    q1: Mapped[float | None] = mapped_column(Float)
    q3: Mapped[float | None] = mapped_column(Float)
    iqr: Mapped[float | None] = mapped_column(Float)
    mean: Mapped[float | None] = mapped_column(Float)
    stdev: Mapped[float | None] = mapped_column(Float)
    cov: Mapped[float | None] = mapped_column(Float)
    n_samples: Mapped[int | None] = mapped_column(Integer)
    compile_seconds: Mapped[float | None] = mapped_column(Float)
    peak_memory_bytes: Mapped[int | None] = mapped_column(BigInteger)
    max_abs_diff: Mapped[float | None] = mapped_column(Float)
    tolerance: Mapped[float | None] = mapped_column(Float)
    top5_match: Mapped[bool | None] = mapped_column(Boolean)
    valid: Mapped[bool | None] = mapped_column(Boolean)
    explain: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    configuration: Mapped[str] = mapped_column(String(255), default="", server_default="")
    ratio_median: Mapped[float | None] = mapped_column(Float)
    ratio_low: Mapped[float | None] = mapped_column(Float)
    ratio_high: Mapped[float | None] = mapped_column(Float)
    # The fastest reference runtime of the case in the run, and the paired speed over it.
    best_reference: Mapped[str | None] = mapped_column(String(32))
    reference_ratio_median: Mapped[float | None] = mapped_column(Float)
    reference_ratio_low: Mapped[float | None] = mapped_column(Float)
    reference_ratio_high: Mapped[float | None] = mapped_column(Float)
    # The speed over the same backend at the run's fewest threads (scaling_threads), paired.
    scaling_threads: Mapped[int | None] = mapped_column(Integer)
    scaling_median: Mapped[float | None] = mapped_column(Float)
    scaling_low: Mapped[float | None] = mapped_column(Float)
    scaling_high: Mapped[float | None] = mapped_column(Float)
    cpu_share: Mapped[float | None] = mapped_column(Float)
    steal_fraction: Mapped[float | None] = mapped_column(Float)
    noisy: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    coverage: Mapped[float | None] = mapped_column(Float)
    tuning: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    run: Mapped[RunRow] = relationship(back_populates="results")


# APScheduler 3's SQLAlchemyJobStore reads and writes this table with its own definition;
# migration 0002 creates it so that the schema has one owner, and it is declared here so that
# Alembic's comparison counts it as part of the schema.
scheduler_jobs = Table(
    "apscheduler_jobs",
    Base.metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)


class AnalysisJobRow(Base):
    """Work queued by ingest and done after the answer: detection of a run, then notifying about it.

    One row per (kind, run), so a run is never queued twice; a job is claimed, done and marked
    done in one transaction, so a worker that dies mid-job leaves it pending for the next.
    """

    __tablename__ = "analysis_jobs"
    __table_args__ = (
        UniqueConstraint("kind", "run_pk", name="uq_analysis_jobs_kind_run"),
        Index("ix_analysis_jobs_due", "state", "not_before", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    run_pk: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer)
    not_before: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    error: Mapped[str | None] = mapped_column(Text)
