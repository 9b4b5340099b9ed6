"""The suite file: which models, backends and thread counts the nightly run measures."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

from benchsvc.backends import BACKEND_NAMES, DEFAULT_BACKENDS
from benchsvc.domain import Result
from benchsvc.models import MODEL_NAMES, InputShape
from benchsvc.runner.environment import default_threads
from benchsvc.runner.plan import TimingPlan

ALL_CORES = "all"
# What a measuring child writes: one Result per measurement of its group, in order.
RESULTS = TypeAdapter(list[Result])


class SuiteError(ValueError):
    """The suite settings file is missing a field, malformed or names unknown models."""


class Measurement(BaseModel):
    """One result of the suite, measured by one child process."""

    model_config = ConfigDict(frozen=True)

    model: str
    backend: str
    threads: int
    batch_size: int
    image_size: int
    warmup: int
    repeat: int
    min_sample_time: float
    iterations: int | None
    timeout_seconds: float


class MeasurementGroup(BaseModel):
    """The backends and thread counts of one model: one child prepares them all, then times them
    in the same interleaved rounds, so that each result can be paired with jit's samples at its
    thread count and with its own backend's at the fewest threads."""

    model_config = ConfigDict(frozen=True)

    measurements: list[Measurement] = Field(min_length=1)

    @property
    def timeout_seconds(self) -> float:
        return sum(measurement.timeout_seconds for measurement in self.measurements)


class Suite(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    models: list[str] = Field(default_factory=lambda: list(MODEL_NAMES), min_length=1)
    backends: list[str] = Field(default_factory=lambda: list(DEFAULT_BACKENDS), min_length=1)
    threads: list[int | Literal["all"]] = Field(default_factory=lambda: [1, ALL_CORES], min_length=1)
    batch_size: int = Field(default=InputShape.batch_size, ge=1)
    image_size: int = Field(default=InputShape.image_size, ge=32)
    warmup: int = Field(default=TimingPlan.warmup, ge=0)
    repeat: int = Field(default=TimingPlan.repeat, ge=1)
    min_sample_time: float = Field(default=TimingPlan.min_sample_seconds, gt=0)
    iterations: int | None = Field(default=None, ge=1)
    # A child that runs longer is killed and its result recorded as failed; tvm compiles for minutes.
    timeout_seconds: float = Field(default=3600, gt=0)
    backend_timeouts: dict[str, float] = Field(default_factory=dict)
    tags: dict[str, str] = Field(default_factory=dict)

    @field_validator("models")
    @classmethod
    def known_models(cls, models: list[str]) -> list[str]:
        unknown = [name for name in models if name not in MODEL_NAMES]
        if unknown:
            raise ValueError(f"unknown model {unknown[0]!r}; choose from: {', '.join(MODEL_NAMES)}")
        return models

    @field_validator("backends")
    @classmethod
    def known_backends(cls, backends: list[str]) -> list[str]:
        unknown = [name for name in backends if name not in BACKEND_NAMES]
        if unknown:
            raise ValueError(f"unknown backend {unknown[0]!r}; choose from: {', '.join(BACKEND_NAMES)}")
        return backends

    @field_validator("threads")
    @classmethod
    def positive_threads(cls, threads: list[int | str]) -> list[int | str]:
        if any(isinstance(count, int) and count < 1 for count in threads):
            raise ValueError(f"thread counts are positive integers or {ALL_CORES!r}")
        return threads

    def thread_counts(self) -> list[int]:
        counts = [default_threads() if count == ALL_CORES else int(count) for count in self.threads]
        return list(dict.fromkeys(counts))

    def measurements(self) -> list[Measurement]:
        return [
            Measurement(
                model=model, backend=backend, threads=threads, batch_size=self.batch_size,
                image_size=self.image_size, warmup=self.warmup, repeat=self.repeat,
                min_sample_time=self.min_sample_time, iterations=self.iterations,
                timeout_seconds=self.backend_timeouts.get(backend, self.timeout_seconds),
            )
            for model in self.models
            for threads in self.thread_counts()
            for backend in self.backends
        ]


def grouped(measurements: list[Measurement]) -> list[MeasurementGroup]:
    by_model: dict[str, list[Measurement]] = {}
    for measurement in measurements:
        by_model.setdefault(measurement.model, []).append(measurement)
    return [MeasurementGroup(measurements=group) for group in by_model.values()]


def load_suite(path: Path) -> Suite:
    """The suite in a TOML file's [suite] table; the defaults when the file does not exist."""
    if not path.is_file():
        return Suite()
    try:
        content = tomllib.loads(path.read_text())
        return Suite.model_validate(content.get("suite", {}))
    except tomllib.TOMLDecodeError as exc:
        raise SuiteError(f"{path}: not valid TOML: {exc}") from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise SuiteError(f"{path}: suite.{where}: {first['msg']}") from exc
