"""Shapes of the API's answers. Requests reuse the domain's RunDocument as is."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from benchsvc.domain import RunDocument


class RunStored(BaseModel):
    run_id: str
    created: bool
    message: str
    url: str


class RunPage(BaseModel):
    total: int
    limit: int
    offset: int
    runs: list[RunDocument]


class MachineOut(BaseModel):
    fingerprint: str
    hostname: str
    cpu_model: str
    cpu_flags: list[str]
    cores: int
    memory_bytes: int
    os: str
    first_seen: datetime
    last_seen: datetime


class SeriesPointOut(BaseModel):
    run_id: str
    created_at: datetime
    commit: str | None
    machine: str
    # The series this point belongs to (machine, case and backend configuration).
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
    # How many stored results this point stands for; above 1 only when downsampled.
    runs: int = 1
    # The lowest and highest median among those results.
    low: float
    high: float
    # Raw samples, only with include_samples=true.
    samples: list[float] | None = None
    noisy: bool = False
    # The result's paired speed over jit in the same run.
    ratio_to_jit: float | None = None
    # Its paired speed over the fastest reference runtime (ort, openvino) in the same run, and which.
    ratio_to_best_reference: float | None = None
    best_reference: str | None = None
    # Its paired speed over the same backend at the run's fewest threads (scaling_threads).
    scaling: float | None = None
    scaling_threads: int | None = None


class SeriesOut(BaseModel):
    model: str
    total_points: int
    downsampled: bool
    points: list[SeriesPointOut]


class ResultComparison(BaseModel):
    model: str
    backend: str
    batch_size: int
    image_size: int
    threads: int
    baseline_median: float | None
    contender_median: float | None
    change_percent: float | None
    p_value: float | None
    # Benjamini-Hochberg adjusted over every result compared; confidence is 1 - q_value.
    q_value: float | None = None
    confidence: float | None = None
    significant: bool
    verdict: Literal["faster", "slower", "unchanged", "not comparable"]
    note: str | None = None


class ComparisonOut(BaseModel):
    baseline: str
    contender: str
    alpha: float
    min_change_percent: float
    results: list[ResultComparison]


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    database: str
    revision: str | None
    detail: str | None = None
