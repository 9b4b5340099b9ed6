"""MetaSchedule tuning over the default schedules' own space.

Each conv kernel is tuned by sampling the decisions the default conv schedule makes by
heuristic (output-channel chunks, columns and rows per register tile, unrolling), so every candidate is a valid
default-style schedule and the untuned choice is one of them. Kernels are tuned one after the
other; the database records what was measured, so a second run with the same database
continues where the first stopped instead of starting over.
"""

from __future__ import annotations

import dataclasses
import os
import pathlib
import random
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy
import torch
import tvm
import tvm_ffi
from tvm.s_tir import meta_schedule as ms

from torch_tvm_core import capture, lower, pipeline
from torch_tvm_core.schedules import databases
from torch_tvm_core.schedules.conv_rule import find_conv_block, schedule_conv


@dataclasses.dataclass(frozen=True)
class TuningProgress:
    """Where a tuning run stands after one more kernel."""

    kernel: str
    kernels_done: int
    kernel_count: int
    trials_run: int
    best_us: float | None


ProgressCallback = Callable[[TuningProgress], None]


def tune(
    model: torch.nn.Module | Callable,
    inputs: Sequence[Any],
    *,
    trials: int,
    database: os.PathLike | str,
    target: tvm.target.Target | None = None,
    on_progress: ProgressCallback | None = None,
) -> pathlib.Path:
    """Tune the conv kernels of `model` for `inputs`, spending about `trials` measurements.

    Each kernel's share of trials measures that many points of its schedule space (the default
    point first). The database directory is created if needed and reused if it exists: kernels
    it already has a record for are skipped, so an interrupted run resumes. It ends compacted
    to the best record per kernel.
    """
    if trials < 1:
        raise ValueError(f"trials must be >= 1, got {trials}")
    target = target or pipeline.default_target(torch.get_num_threads())
    path = pathlib.Path(database)
    path.mkdir(parents=True, exist_ok=True)
    kernels = pipeline.lower_to_kernels(
        lower.relax_module(capture.export_program(model, inputs)), target
    )
    tasks = [t for t in ms.relax_integration.extract_tasks(kernels, target) if _is_conv(t)]
    per_kernel = max(1, trials // max(1, len(tasks)))
    for index, task in enumerate(tasks):
        ran = _tune_kernel(task, target, path, per_kernel)
        if on_progress is not None:
            on_progress(
                TuningProgress(task.task_name, index + 1, len(tasks), ran, _best_us(path, task))
            )
    compact(path)
    return path


def _is_conv(task: ms.ExtractedTask) -> bool:
    return find_conv_block(tvm.s_tir.Schedule(task.dispatched[0])) is not None


def _tune_kernel(
    task: ms.ExtractedTask, target: tvm.target.Target, path: pathlib.Path, trials: int
) -> int:
    workload_mod = task.dispatched[0]
    database = databases.open_database(path)
    if database.has_workload(workload_mod) and database.get_top_k(
        database.commit_workload(workload_mod), 1
    ):
        return 0
    workload = database.commit_workload(workload_mod)
    todo = _space(workload_mod, target)[:trials]
    for decisions in todo:
        sch = tvm.s_tir.Schedule(workload_mod)
        schedule_conv(sch, target, _replaying(decisions))
        database.commit_tuning_record(
            ms.database.TuningRecord(
                sch.trace,
                workload,
                [tvm.tirx.FloatImm("float32", s) for s in _measure(sch.mod, target)],
                target,
                ms.arg_info.ArgInfo.from_prim_func(workload_mod["main"]),
            )
        )
    return len(todo)


def _space(workload_mod: tvm.IRModule, target: tvm.target.Target) -> list[tuple[int, ...]]:
    """Every path through the conv schedule's decisions: the default first, then the rest in
    a fixed shuffled order, so that a trial budget smaller than the space samples all of it.

    Later decisions' candidates depend on earlier values (a wider channel tile leaves fewer
    registers for columns), so the paths are enumerated by replaying prefixes.
    """
    paths: list[tuple[int, ...]] = []
    prefixes: list[tuple[int, ...]] = [()]
    while prefixes:
        prefix = prefixes.pop()
        sizes: list[int] = []

        def follow(_: tvm.s_tir.Schedule, candidates: list[int]) -> int:
            sizes.append(len(candidates))
            return candidates[prefix[len(sizes) - 1] if len(sizes) <= len(prefix) else 0]

        schedule_conv(tvm.s_tir.Schedule(workload_mod), target, follow)
        if len(sizes) == len(prefix):
            paths.append(prefix)
        else:
            prefixes.extend(prefix + (i,) for i in reversed(range(sizes[len(prefix)])))
    default, rest = paths[0], paths[1:]
    random.Random(0).shuffle(rest)
    return [default, *rest]


def _replaying(decisions: tuple[int, ...]):
    """A choice that takes the given decisions and records them in the trace as samples."""
    remaining = list(decisions)

    def choose(sch: tvm.s_tir.Schedule, candidates: list[int]) -> object:
        index = remaining.pop(0)
        probs = [1.0 / len(candidates)] * len(candidates)
        return sch.sample_categorical(candidates, probs, decision=index)

    return choose


# Larger than the last-level cache of the CPUs we tune on, so each timed call finds its weights
# in memory as it does inside a whole model, where the other layers have evicted them.
_FLUSH_BYTES = 128 << 20


def _measure(mod: tvm.IRModule, target: tvm.target.Target, repeat: int = 7) -> list[float]:
    """Run times in seconds of the scheduled kernel on random inputs, each after the caches
    were flushed: the faster half.

    Timed with warm caches, tiles that reload weights from cache win, and then lose inside the
    model (measured: an AVX-512 database tuned warm made ResNet-50 3-8% slower than the default
    schedules).
    """
    kernel = tvm.compile(mod, target=target)["main"]
    args = [
        tvm.runtime.tensor(numpy.random.uniform(-1, 1, [int(d) for d in a.shape]).astype(a.dtype))
        for a in ms.arg_info.ArgInfo.from_prim_func(mod["main"])
    ]
    flush = numpy.zeros(_FLUSH_BYTES // 8)
    kernel(*args)
    times = []
    for _ in range(repeat):
        flush += 1.0
        start = time.perf_counter()
        kernel(*args)
        times.append(time.perf_counter() - start)
    return sorted(times)[: max(1, repeat // 2)]


def _best_us(path: pathlib.Path, task: ms.ExtractedTask) -> float | None:
    database = databases.open_database(path)
    best = database.get_top_k(database.commit_workload(task.dispatched[0]), 1)
    seconds = _mean_seconds(best[0]) if best else None
    return None if seconds is None else 1e6 * seconds


# A record replaces the default schedule of its kernel only when it measured this much faster:
# smaller gaps are within the run-to-run noise of a kernel timing.
MIN_GAIN_OVER_DEFAULT = 0.03


def compact(path: pathlib.Path) -> None:
    """Keep only the best record of each kernel, so the database stays small enough to ship.

    The default schedule's record stays the best unless another beats it by
    MIN_GAIN_OVER_DEFAULT, so that noise never trades a default for a slower schedule.
    """
    best: dict[int, ms.database.TuningRecord] = {}
    defaults: dict[int, ms.database.TuningRecord] = {}
    for record in databases.open_database(path).get_all_tuning_records():
        seconds = _mean_seconds(record)
        if seconds is None:
            continue
        key = tvm_ffi.structural_hash(record.workload.mod)
        if _is_default(record):
            defaults[key] = record
        if key not in best or seconds < _mean_seconds(best[key]):
            best[key] = record
    for key, default in defaults.items():
        if _mean_seconds(best[key]) > (1 - MIN_GAIN_OVER_DEFAULT) * _mean_seconds(default):
            best[key] = default
    with tempfile.TemporaryDirectory(prefix="torch_tvm_core_compact_") as scratch:
        compacted = databases.open_database(pathlib.Path(scratch))
        for record in best.values():
            compacted.commit_tuning_record(
                ms.database.TuningRecord(
                    record.trace,
                    compacted.commit_workload(record.workload.mod),
                    record.run_secs,
                    record.target,
                    record.args_info,
                )
            )
        for name in ("database_workload.json", "database_tuning_record.json"):
            source = pathlib.Path(scratch) / name
            if source.exists():
                shutil.copyfile(source, path / name)


def _is_default(record: ms.database.TuningRecord) -> bool:
    """Whether the record is the untuned schedule: every decision took its first candidate."""
    return all(int(index) == 0 for index in record.trace.decisions.values())


def _mean_seconds(record: ms.database.TuningRecord) -> float | None:
    seconds = [float(s) for s in (record.run_secs or [])]
    if not seconds or max(seconds) >= 1e9:  # MetaSchedule marks failed runs with 1e10
        return None
    return sum(seconds) / len(seconds)
