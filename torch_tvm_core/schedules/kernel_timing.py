"""Timing one kernel the way inference runs it, and the rule that a tuned schedule must win.

Kernels are timed with warm caches, in a thread pool the size the model will run with, as
they run back to back inside a forward pass. A candidate replaces the default schedule only
if, timed in alternating rounds with it on this machine, it is faster by a margin: noise or a
neighbour's load never trades the default for a slower schedule.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence

import numpy
import tvm
from tvm.s_tir import meta_schedule as ms

from torch_tvm_core.schedules.tir_pipeline import TIR_PIPELINE

# A candidate must be this much faster than the default, as the median of paired rounds.
MIN_GAIN_OVER_DEFAULT = 0.03
# One timed sample runs the kernel for at least this long, so the clock's resolution and one
# preemption by another process weigh little.
_SAMPLE_SECONDS = 0.005
_SCREEN_SAMPLES = 3
_PAIRED_ROUNDS = 9


class Kernel:
    """A compiled kernel with warm inputs, ready to be timed."""

    def __init__(self, mod: tvm.IRModule, target: tvm.target.Target, args: Sequence) -> None:
        self._function = tvm.compile(mod, target=target, tir_pipeline=TIR_PIPELINE)["main"]
        self._args = list(args)
        started = time.perf_counter()
        self._function(*self._args)
        first = time.perf_counter() - started
        self._function(*self._args)
        self.calls = max(1, int(_SAMPLE_SECONDS / max(first, 1e-7)))

    def sample(self) -> float:
        """Seconds per call, averaged over one sample of back-to-back calls."""
        started = time.perf_counter()
        for _ in range(self.calls):
            self._function(*self._args)
        return (time.perf_counter() - started) / self.calls

    def screen(self) -> float:
        return statistics.median(self.sample() for _ in range(_SCREEN_SAMPLES))


def random_args(mod: tvm.IRModule) -> list:
    """Inputs and output buffers for the kernel, filled once and reused warm."""
    return [
        tvm.runtime.tensor(numpy.random.uniform(-1, 1, [int(d) for d in a.shape]).astype(a.dtype))
        for a in ms.arg_info.ArgInfo.from_prim_func(mod["main"])
    ]


def paired_seconds(
    default: Kernel, candidate: Kernel, rounds: int = _PAIRED_ROUNDS
) -> tuple[list[float], list[float]]:
    """Both kernels timed in alternating rounds (the order swaps every round)."""
    default_seconds, candidate_seconds = [], []
    for index in range(rounds):
        if index % 2:
            candidate_seconds.append(candidate.sample())
            default_seconds.append(default.sample())
        else:
            default_seconds.append(default.sample())
            candidate_seconds.append(candidate.sample())
    return default_seconds, candidate_seconds


def beats_default(
    default_seconds: Sequence[float],
    candidate_seconds: Sequence[float],
    margin: float = MIN_GAIN_OVER_DEFAULT,
) -> bool:
    """Whether the candidate is faster than the default by `margin`, as the median of the
    per-round time ratios of paired samples."""
    if not 0 <= margin < 1:
        raise ValueError(f"margin must be in [0, 1), got {margin}")
    if len(default_seconds) != len(candidate_seconds) or not default_seconds:
        raise ValueError("paired samples must be non-empty and of equal length")
    return median_ratio(candidate_seconds, default_seconds) <= 1 - margin


def median_ratio(numerators: Sequence[float], denominators: Sequence[float]) -> float:
    """The median of the per-round ratios of paired samples."""
    return statistics.median(n / d for n, d in zip(numerators, denominators))
