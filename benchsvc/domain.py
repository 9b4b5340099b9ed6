"""The run document: what one invocation of the benchmark measured.

It is the shape `benchsvc run --json` prints, what CI posts to the API and what the
storage layer keeps, so every layer speaks these types.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import uuid
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from benchsvc.states import Status

SCHEMA_VERSION = 1
MAX_SAMPLES = 10_000

# What the database columns hold: Integer and BigInteger are signed 32 and 64 bits.
INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1

# A summary is recomputed from its samples on validation; floating point may differ in the last bits.
SUMMARY_TOLERANCE = 1e-6

# Control characters (NUL above all: PostgreSQL cannot store it) never belong in a name.
NAME_PATTERN = r"^[^\x00-\x1f\x7f]*$"
# Messages may span lines and carry tabs, nothing else below the space.
MESSAGE_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
NAME_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f]")
MESSAGE_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
SURROGATE = re.compile("[\ud800-\udfff]")
MAX_EXPLAIN_DEPTH = 32


def printable_name(value: str) -> str:
    return printable(value, NAME_FORBIDDEN, "must not contain control characters")


def printable_message(value: str) -> str:
    return printable(value, MESSAGE_FORBIDDEN, "must not contain control characters other than tab and newline")


def printable(value: str, forbidden: re.Pattern[str], message: str) -> str:
    found = forbidden.search(value)
    if found:
        raise ValueError(f"{message} (found U+{ord(found.group()):04X})")
    # A lone surrogate (from a JSON "\\ud800" escape) is not text and cannot be encoded to store it.
    if SURROGATE.search(value):
        raise ValueError("must be valid Unicode text (found a lone surrogate)")
    return value


def as_utc(moment: datetime) -> datetime:
    # A time without an offset is taken as UTC, as everything stored is.
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    try:
        return moment.astimezone(timezone.utc)
    except OverflowError as exc:
        raise ValueError("is outside the range of dates that can be stored") from exc


def plain_json(value: Any, depth: int = 0) -> Any:
    """JSON that every database stores: finite numbers, printable text, bounded nesting."""
    if depth > MAX_EXPLAIN_DEPTH:
        raise ValueError(f"nests deeper than {MAX_EXPLAIN_DEPTH} levels")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("must hold finite numbers only (no NaN or infinity)")
    if isinstance(value, int) and not isinstance(value, bool) and not -INT64_MAX - 1 <= value <= INT64_MAX:
        raise ValueError("must hold integers within 64 bits")
    if isinstance(value, str):
        printable_message(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            printable_message(key)
            plain_json(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            plain_json(item, depth + 1)
    return value


Name = Annotated[str, AfterValidator(printable_name), Field(json_schema_extra={"pattern": NAME_PATTERN})]
Message = Annotated[str, AfterValidator(printable_message), Field(json_schema_extra={"pattern": MESSAGE_PATTERN})]
# A rate or a duration: a finite number; NaN, infinity and 1e999 are refused.
Rate = Annotated[float, Field(gt=0, allow_inf_nan=False)]
NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Int32 = Annotated[int, Field(le=INT32_MAX)]
Int64 = Annotated[int, Field(le=INT64_MAX)]
UtcTime = Annotated[datetime, AfterValidator(as_utc)]


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Machine(Frozen):
    """The hardware a result was measured on; its fingerprint names the machine."""

    hostname: Name = Field(min_length=1, max_length=255)
    cpu_model: Name = Field(max_length=255)
    cpu_flags: list[Annotated[Name, Field(max_length=64)]] = Field(default_factory=list, max_length=64)
    cores: int = Field(ge=1, le=4096)
    memory_bytes: Int64 = Field(ge=0)
    os: Name = Field(max_length=255)

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
    python: Name = Field(max_length=64)
    torch: Name = Field(max_length=64)
    torchvision: Name = Field(max_length=64)
    tvm: Name | None = Field(default=None, max_length=64)
    benchsvc: Name = Field(max_length=64)


class Commit(Frozen):
    repo: Name | None = Field(default=None, max_length=512)
    sha: str = Field(min_length=4, max_length=64, pattern=r"^[0-9a-fA-F]+$")
    branch: Name | None = Field(default=None, max_length=255)
    pr: Int32 | None = Field(default=None, ge=1)


class Summary(Frozen):
    """Iterations per second over the samples of one result."""

    median: Rate
    q1: Rate
    q3: Rate
    iqr: NonNegative
    mean: Rate
    stdev: NonNegative
    cov: NonNegative
    n: int = Field(ge=1, le=MAX_SAMPLES)

    @classmethod
    def of(cls, samples: Sequence[float]) -> Summary:
        """Quartiles interpolated linearly (numpy's default), sample standard deviation."""
        if not samples:
            raise ValueError("cannot summarize zero samples")
        ordered = sorted(samples)
        n = len(ordered)
        mean = math.fsum(ordered) / n
        stdev = math.sqrt(math.fsum((x - mean) ** 2 for x in ordered) / (n - 1)) if n > 1 else 0.0
        q1, median, q3 = (quantile(ordered, p) for p in (0.25, 0.5, 0.75))
        return cls(median=median, q1=q1, q3=q3, iqr=q3 - q1, mean=mean, stdev=stdev, cov=stdev / mean, n=n)

    def disagreement(self, samples: Sequence[float]) -> str | None:
        """The first field that does not follow from the samples, or None when all do."""
        if self.n != len(samples):
            return f"n is {self.n} but there are {len(samples)} samples"
        expected = Summary.of(samples)
        for field in ("median", "q1", "q3", "iqr", "mean", "stdev", "cov"):
            given, computed = getattr(self, field), getattr(expected, field)
            if not math.isclose(given, computed, rel_tol=SUMMARY_TOLERANCE, abs_tol=1e-9):
                return f"{field} is {given!r} but the samples give {computed!r}"
        return None


def quantile(ordered: Sequence[float], fraction: float) -> float:
    position = (len(ordered) - 1) * fraction
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


class Correctness(Frozen):
    # None when the outputs cannot be compared at all (other shape, NaN or infinity).
    max_abs_diff: NonNegative | None
    tolerance: NonNegative
    top5_match: bool
    valid: bool


class RatioToJit(Frozen):
    """A backend's speed over jit: the median of per-round paired ratios and its 95% interval."""

    median: Rate
    low: Rate
    high: Rate


class RatioToReference(RatioToJit):
    """A backend's speed over the fastest reference runtime (ONNX Runtime, OpenVINO) of the same
    case in the same run, measured as RatioToJit is; `reference` names that runtime."""

    reference: Name = Field(min_length=1, max_length=32)


class ThreadScaling(RatioToJit):
    """A result's speed over its own backend's at the run's fewest threads (`threads`), measured
    in the same rounds as RatioToJit is: 1.9 means two threads ran 1.9x as fast as one."""

    threads: int = Field(ge=1, le=4096)


class Interference(Frozen):
    """How much of the machine the benchmark had while it was timed."""

    # Process CPU time over (wall time x threads); well below 1 means others took our cores.
    cpu_share: NonNegative
    # The host's steal time over all its CPU time in the same window; None where unreadable.
    steal_fraction: NonNegative | None = Field(default=None, le=1)


class Tuning(Frozen):
    """Which tuning database a tvm result ran with and how many kernels it scheduled."""

    database: Name | None = Field(default=None, max_length=1024)
    sha256: str | None = Field(default=None, max_length=64, pattern=r"^[0-9a-fA-F]*$")
    kernels_tuned: Int32 = Field(default=0, ge=0)
    kernels_default: Int32 = Field(default=0, ge=0)

    @property
    def identity(self) -> str:
        return self.sha256 or "defaults"


class Result(Frozen):
    model: Name = Field(min_length=1, max_length=64)
    backend: Name = Field(min_length=1, max_length=32)
    batch_size: int = Field(ge=1, le=4096)
    image_size: int = Field(ge=8, le=4096)
    threads: int = Field(ge=1, le=4096)
    status: Status
    error: Message | None = Field(default=None, max_length=4000)
    # Iterations per second, one per sample: every one a positive, finite rate.
    samples: list[Rate] = Field(default_factory=list, max_length=MAX_SAMPLES)
    calls_per_sample: Int32 | None = Field(default=None, ge=1)
    warmup_calls: Int32 | None = Field(default=None, ge=0)
    summary: Summary | None = None
    compile_seconds: NonNegative | None = None
    peak_memory_bytes: Int64 | None = Field(default=None, ge=0)
    correctness: Correctness | None = None
    explain: Annotated[dict[str, Any], AfterValidator(plain_json)] | None = None
    ratio_to_jit: RatioToJit | None = None
    ratio_to_best_reference: RatioToReference | None = None
    scaling: ThreadScaling | None = None
    interference: Interference | None = None
    noisy: bool = False
    # Fraction of the model's floating-point work that ran in the backend proper (tvm).
    coverage: NonNegative | None = Field(default=None, le=1)
    tuning: Tuning | None = None
    # What else decides the numbers besides the case, e.g. "opt_level=3;tuning=defaults" for tvm.
    configuration: Name = Field(default="", max_length=255)

    @model_validator(mode="after")
    def summary_follows_from_samples(self) -> Result:
        # A stored result may be read without its raw samples (listings); then its summary stands alone.
        # Ingest requires the samples of every summary it stores (benchsvc.ingest.service).
        if self.status is Status.OK and self.summary is None:
            raise ValueError("a result with status ok needs its samples and their summary")
        if self.summary is not None and self.samples:
            problem = self.summary.disagreement(self.samples)
            if problem is not None:
                raise ValueError(f"summary does not match the samples: {problem}")
        return self

    @model_validator(mode="after")
    def scaling_starts_from_fewer_threads(self) -> Result:
        if self.scaling is not None and self.scaling.threads >= self.threads:
            raise ValueError(
                f"scaling.threads ({self.scaling.threads}) must be fewer than the result's threads ({self.threads})"
            )
        return self

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
    created_at: UtcTime = Field(default_factory=lambda: datetime.now(timezone.utc))
    machine: Machine
    software: Software
    commit: Commit | None = None
    tags: dict[
        Annotated[Name, Field(min_length=1, max_length=64)], Annotated[Message, Field(max_length=1024)]
    ] = Field(default_factory=dict, max_length=32)
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
