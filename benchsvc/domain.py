"""The run document: what one invocation of the benchmark measured.

It is the shape `benchsvc run --json` prints, what CI posts to the API and what the
storage layer keeps, so every layer speaks these types.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime, timezone
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from benchsvc.states import Status

SCHEMA_VERSION = 1
MAX_SAMPLES = 10_000


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Machine(Frozen):
    """The hardware a result was measured on; its fingerprint names the machine."""

    hostname: str = Field(min_length=1, max_length=255)
    cpu_model: str = Field(max_length=255)
    cpu_flags: list[str] = Field(default_factory=list, max_length=64)
    cores: int = Field(ge=1, le=4096)
    memory_bytes: int = Field(ge=0)
    os: str = Field(max_length=255)

    @property
    def fingerprint(self) -> str:
        identity = {
            "hostname": self.hostname,
            "cpu_model": self.cpu_model,
            "cpu_flags": sorted(self.cpu_flags),
            "cores": self.cores,
            # Rounded so that a kernel reserving a few MiB more does not split the history.
            "memory_gib": round(self.memory_bytes / 2**30),
        }
        return stable_hash(identity)


class Software(Frozen):
    python: str = Field(max_length=64)
    torch: str = Field(max_length=64)
    torchvision: str = Field(max_length=64)
    tvm: str | None = Field(default=None, max_length=64)
    benchsvc: str = Field(max_length=64)


class Commit(Frozen):
    repo: str | None = Field(default=None, max_length=512)
    sha: str = Field(min_length=4, max_length=64, pattern=r"^[0-9a-fA-F]+$")
    branch: str | None = Field(default=None, max_length=255)
    pr: int | None = Field(default=None, ge=1)


class Summary(Frozen):
    """Iterations per second over the samples of one result."""

    median: float = Field(gt=0)
    q1: float = Field(gt=0)
    q3: float = Field(gt=0)
    iqr: float = Field(ge=0)
    mean: float = Field(gt=0)
    stdev: float = Field(ge=0)
    cov: float = Field(ge=0)
    n: int = Field(ge=1)


class Correctness(Frozen):
    # None when the outputs cannot be compared at all (other shape, NaN or infinity).
    max_abs_diff: float | None = Field(ge=0)
    tolerance: float = Field(ge=0)
    top5_match: bool
    valid: bool


class RatioToJit(Frozen):
    """A backend's speed over jit: the median of per-round paired ratios and its 95% interval."""

    median: float = Field(gt=0)
    low: float = Field(gt=0)
    high: float = Field(gt=0)


class Interference(Frozen):
    """How much of the machine the benchmark had while it was timed."""

    # Process CPU time over (wall time x threads); well below 1 means others took our cores.
    cpu_share: float = Field(ge=0)
    # The host's steal time over all its CPU time in the same window; None where unreadable.
    steal_fraction: float | None = Field(default=None, ge=0, le=1)


class Tuning(Frozen):
    """Which tuning database a tvm result ran with and how many kernels it scheduled."""

    database: str | None = Field(default=None, max_length=1024)
    sha256: str | None = Field(default=None, max_length=64)
    kernels_tuned: int = Field(default=0, ge=0)
    kernels_default: int = Field(default=0, ge=0)

    @property
    def identity(self) -> str:
        return self.sha256 or "defaults"


class Result(Frozen):
    model: str = Field(min_length=1, max_length=64)
    backend: str = Field(min_length=1, max_length=32)
    batch_size: int = Field(ge=1, le=4096)
    image_size: int = Field(ge=8, le=4096)
    threads: int = Field(ge=1, le=4096)
    status: Status
    error: str | None = Field(default=None, max_length=4000)
    samples: list[float] = Field(default_factory=list, max_length=MAX_SAMPLES)
    calls_per_sample: int | None = Field(default=None, ge=1)
    warmup_calls: int | None = Field(default=None, ge=0)
    summary: Summary | None = None
    compile_seconds: float | None = Field(default=None, ge=0)
    peak_memory_bytes: int | None = Field(default=None, ge=0)
    correctness: Correctness | None = None
    explain: dict[str, Any] | None = None
    ratio_to_jit: RatioToJit | None = None
    interference: Interference | None = None
    noisy: bool = False
    # Fraction of the model's floating-point work that ran in the backend proper (tvm).
    coverage: float | None = Field(default=None, ge=0, le=1)
    tuning: Tuning | None = None
    # What else decides the numbers besides the case, e.g. "opt_level=3;tuning=defaults" for tvm.
    configuration: str = Field(default="", max_length=255)

    def history_key(self, machine: Machine) -> str:
        """Which results form one time series: same case, same backend configuration, same machine."""
        return series_key(
            machine.fingerprint,
            model=self.model,
            backend=self.backend,
            batch_size=self.batch_size,
            image_size=self.image_size,
            threads=self.threads,
            configuration=self.configuration,
        )


class RunDocument(Frozen):
    schema_version: int = Field(default=SCHEMA_VERSION, ge=1, le=SCHEMA_VERSION)
    run_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    created_at: datetime = Field(default_factory=lambda: datetime.now(timezone.utc))
    machine: Machine
    software: Software
    commit: Commit | None = None
    tags: dict[str, str] = Field(default_factory=dict, max_length=32)
    results: list[Result] = Field(min_length=1, max_length=1000)


def series_key(
    machine_fingerprint: str,
    *,
    model: str,
    backend: str,
    batch_size: int,
    image_size: int,
    threads: int,
    configuration: str = "",
) -> str:
    """The identity of one time series; every view, query and detection groups by it."""
    identity: dict[str, Any] = {
        "machine": machine_fingerprint,
        "model": model,
        "backend": backend,
        "batch_size": batch_size,
        "image_size": image_size,
        "threads": threads,
    }
    # Absent rather than empty, so that series without a configuration keep the keys they had.
    if configuration:
        identity["configuration"] = configuration
    return stable_hash(identity)


def stable_hash(value: Any) -> str:
    encoded = json.dumps(value, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(encoded).hexdigest()[:16]
