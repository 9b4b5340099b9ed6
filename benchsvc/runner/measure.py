"""Timing in the manner of pyperf: warm up, calibrate calls per sample, repeat, keep raw samples."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import torch

Clock = Callable[[], float]


@dataclass(frozen=True)
class TimingPlan:
    warmup: int = 3
    repeat: int = 10
    min_sample_seconds: float = 0.2
    # A fixed count skips calibration; tests use it to keep runs short and predictable.
    calls_per_sample: int | None = None

    def __post_init__(self) -> None:
        if self.warmup < 0:
            raise ValueError(f"warmup must be >= 0, got {self.warmup}")
        if self.repeat < 1:
            raise ValueError(f"repeat must be >= 1, got {self.repeat}")
        if self.min_sample_seconds <= 0:
            raise ValueError("min_sample_seconds must be positive")
        if self.calls_per_sample is not None and self.calls_per_sample < 1:
            raise ValueError(f"calls per sample must be >= 1, got {self.calls_per_sample}")


@dataclass(frozen=True)
class Timing:
    samples: list[float]
    calls_per_sample: int
    warmup_calls: int


def time_calls(call: Callable[[], object], calls: int, clock: Clock = time.perf_counter) -> float:
    start = clock()
    for _ in range(calls):
        call()
    return clock() - start


def calibrate(call: Callable[[], object], min_seconds: float, clock: Clock = time.perf_counter) -> int:
    """Smallest power-of-two call count whose total time reaches min_seconds."""
    calls = 1
    while True:
        elapsed = time_calls(call, calls, clock)
        if elapsed >= min_seconds or calls >= 2**20:
            return calls
        # Jump straight to the estimate when the clock gives one, doubling otherwise.
        estimate = int(calls * min_seconds / elapsed) + 1 if elapsed > 0 else calls * 2
        calls = max(calls * 2, min(estimate, calls * 64))


def measure(call: Callable[[], object], plan: TimingPlan, clock: Clock = time.perf_counter) -> Timing:
    with torch.no_grad():
        for _ in range(plan.warmup):
            call()
        calls = plan.calls_per_sample or calibrate(call, plan.min_sample_seconds, clock)
        samples = []
        for _ in range(plan.repeat):
            elapsed = time_calls(call, calls, clock)
            samples.append(calls / max(elapsed, 1e-9))
    return Timing(samples=samples, calls_per_sample=calls, warmup_calls=plan.warmup)
