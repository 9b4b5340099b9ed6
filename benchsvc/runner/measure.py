"""Timing in the manner of pyperf: warm up, calibrate calls per sample, repeat, keep raw samples.

Backends compared in one run are timed in interleaved rounds rather than one after the other, so
that a slow minute of the machine lands on every backend alike instead of on one of them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

import torch

from benchsvc.domain import Interference
from benchsvc.runner.interference import InterferenceMeter
from benchsvc.runner.plan import TimingPlan

Clock = Callable[[], float]
# What names a call: a backend, or a backend at a thread count.
K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Timing:
    samples: list[float]
    calls_per_sample: int
    warmup_calls: int
    interference: Interference | None = None


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


def warm_up(call: Callable[[], object], plan: TimingPlan, clock: Clock = time.perf_counter) -> int:
    """Run the warm-up calls, then return the calls per sample (fixed, or calibrated)."""
    for _ in range(plan.warmup):
        call()
    return plan.calls_per_sample or calibrate(call, plan.min_sample_seconds, clock)


def rotation(names: Sequence[K], round_index: int) -> list[K]:
    """The order of one round: each backend goes first in turn, so none always follows another."""
    if not names:
        return []
    shift = round_index % len(names)
    return [*names[shift:], *names[:shift]]


def measure_in_rounds(
    calls: Mapping[K, Callable[[], object]],
    plan: TimingPlan,
    threads: int | Mapping[K, int],
    clock: Clock = time.perf_counter,
) -> dict[K, Timing | BaseException]:
    """Time every call in rounds: one sample of each per round, in an order that rotates.

    threads: the thread count all calls run with (the caller has set it), or each call's own;
    then torch runs each sample at its call's count, and where that changed since the previous
    sample one untimed call first lets the pools resize and the other count's workers go quiet.
    A call that raises is dropped from the remaining rounds; its entry is the exception.
    """
    counts = threads if isinstance(threads, Mapping) else dict.fromkeys(calls, threads)
    switching = isinstance(threads, Mapping)
    outcome: dict[K, Timing | BaseException] = {}
    calls_per_sample: dict[K, int] = {}
    meters = {name: InterferenceMeter(counts[name]) for name in calls}
    samples: dict[K, list[float]] = {name: [] for name in calls}
    with torch.no_grad():
        for name, call in calls.items():
            try:
                if switching:
                    torch.set_num_threads(counts[name])
                calls_per_sample[name] = warm_up(call, plan, clock)
            except Exception as exc:  # noqa: BLE001 - one backend failing must not stop the others
                outcome[name] = exc
        running_at = None
        for round_index in range(plan.repeat):
            for name in rotation([name for name in calls if name not in outcome], round_index):
                try:
                    if switching and counts[name] != running_at:
                        torch.set_num_threads(counts[name])
                        running_at = counts[name]
                        calls[name]()
                    meters[name].start()
                    try:
                        elapsed = time_calls(calls[name], calls_per_sample[name], clock)
                    finally:
                        meters[name].stop()
                except Exception as exc:  # noqa: BLE001
                    outcome[name] = exc
                    continue
                samples[name].append(calls_per_sample[name] / max(elapsed, 1e-9))
    for name in calls:
        if name not in outcome:
            outcome[name] = Timing(
                samples=samples[name],
                calls_per_sample=calls_per_sample[name],
                warmup_calls=plan.warmup,
                interference=meters[name].interference(),
            )
    return outcome
