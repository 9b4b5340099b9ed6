"""Tuning the conv kernels of a model for the machine it runs on.

Each conv kernel is tuned by sampling the decisions the default conv schedule makes by
heuristic (output-channel chunks, columns and rows per register tile, unrolling), so every
candidate is a valid default-style schedule and the untuned choice is one of them. The
fastest candidate is then timed against the default in alternating rounds and kept only if it
wins by a margin (kernel_timing). Each kernel ends as one record, written when it is done, so
a second run with the same database continues where the first stopped.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import pathlib
import random
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import torch
import tvm
from tvm.s_tir import meta_schedule as ms

from torch_tvm_core import capture, lower, pipeline, threads
from torch_tvm_core.schedules import databases
from torch_tvm_core.schedules.conv_decisions import replaying
from torch_tvm_core.schedules.conv_rule import find_conv_block, schedule_conv
from torch_tvm_core.schedules.cpu import cpu_identity
from torch_tvm_core.schedules.tuning_lock import exclusive_tuning
from torch_tvm_core.schedules.kernel_timing import (
    MIN_GAIN_OVER_DEFAULT,
    Kernel,
    beats_default,
    median_ratio,
    paired_seconds,
    random_args,
)

TUNED_ON_FILE = "tuned_on.json"
# More records than one kernel gets: one per tuning that found none still holding.
MAX_RECORDS = 64


@dataclasses.dataclass(frozen=True)
class TuningProgress:
    """Where a tuning run stands after one more kernel.

    speedup: the default schedule's time over the kept one's (1.0: the default stayed); None
    when the kernel already had a record and was skipped.
    """

    kernel: str
    kernels_done: int
    kernel_count: int
    trials_run: int
    best_us: float | None
    speedup: float | None = None


ProgressCallback = Callable[[TuningProgress], None]


def tune(
    model: torch.nn.Module | Callable,
    inputs: Sequence[Any],
    *,
    trials: int,
    database: os.PathLike | str | None = None,
    target: tvm.target.Target | None = None,
    on_progress: ProgressCallback | None = None,
    margin: float = MIN_GAIN_OVER_DEFAULT,
) -> pathlib.Path:
    """Tune the conv kernels of `model` for `inputs`, spending about `trials` compiles.

    database: the directory to write; None for this machine's own database, which later
    compiles that name no database use. It is created if needed and reused if it exists:
    kernels it already has a record for are skipped, so an interrupted run resumes.
    target: None for this CPU with torch's thread count, which kernels are also timed with.
    Raises TuningBusyError while another process tunes the same database.
    """
    if trials < 1:
        raise ValueError(f"trials must be >= 1, got {trials}")
    target = target or pipeline.default_target(torch.get_num_threads())
    path = pathlib.Path(database) if database is not None else databases.machine_database(target)
    path.mkdir(parents=True, exist_ok=True)
    with exclusive_tuning(path):
        _tune_kernels(model, inputs, trials, path, target, on_progress, margin)
    return path


def machine_tuning_database() -> pathlib.Path:
    """Where tune() keeps this machine's records for this CPU when it is given no database."""
    return databases.machine_database(pipeline.default_target())


def _tune_kernels(
    model: torch.nn.Module | Callable,
    inputs: Sequence[Any],
    trials: int,
    path: pathlib.Path,
    target: tvm.target.Target,
    on_progress: ProgressCallback | None,
    margin: float,
) -> None:
    _describe(path, target, margin)
    kernels = pipeline.lower_to_kernels(
        lower.relax_module(capture.export_program(model, inputs)), target
    )
    tasks = [t for t in ms.relax_integration.extract_tasks(kernels, target) if _is_conv(t)]
    per_kernel = max(1, trials // max(1, len(tasks)))
    with _thread_pool(int(target.attrs.get("num-cores", 1))):
        for index, task in enumerate(tasks):
            ran, speedup = _tune_kernel(task, target, path, per_kernel, margin)
            if on_progress is not None:
                on_progress(
                    TuningProgress(
                        task.task_name, index + 1, len(tasks), ran, _best_us(path, task), speedup
                    )
                )


def _describe(path: pathlib.Path, target: tvm.target.Target, margin: float) -> None:
    """Say which CPU the records were measured on, for whoever ships the database."""
    identity = cpu_identity(target)
    (path / TUNED_ON_FILE).write_text(
        json.dumps(
            {
                "cpu_model": identity.model,
                "llvm_cpu": identity.llvm_cpu,
                "isa": identity.isa,
                "threads": int(target.attrs.get("num-cores", 1)),
                "timing": f"warm caches, record kept if {margin:.0%} faster "
                "than the default in paired rounds",
            },
            indent=2,
        )
    )


@contextlib.contextmanager
def _thread_pool(count: int) -> Iterator[None]:
    """TVM's pool at the size inference will use, back at torch's count afterwards."""
    previous = torch.get_num_threads()
    torch.set_num_threads(count)
    threads.match_torch_threads()
    try:
        yield
    finally:
        torch.set_num_threads(previous)
        threads.match_torch_threads()


def _is_conv(task: ms.ExtractedTask) -> bool:
    return find_conv_block(tvm.s_tir.Schedule(task.dispatched[0])) is not None


def _tune_kernel(
    task: ms.ExtractedTask,
    target: tvm.target.Target,
    path: pathlib.Path,
    trials: int,
    margin: float,
) -> tuple[int, float | None]:
    """Measure up to `trials` points of the kernel's space; record the default or the one
    candidate that beat it. Returns (points measured, default time / kept time). A kernel whose
    records were all chosen among candidates today's rule no longer offers is tuned again."""
    workload_mod = task.dispatched[0]
    database = databases.open_database(path)
    if database.has_workload(workload_mod) and any(
        databases.still_holds(record)
        for record in database.get_top_k(database.commit_workload(workload_mod), MAX_RECORDS)
    ):
        return 0, None
    args = random_args(workload_mod)
    points = _space(workload_mod, target)[:trials]
    schedules = [_scheduled(workload_mod, target, decisions) for decisions in points]
    default = Kernel(schedules[0].mod, target, args)
    kept, kept_seconds, speedup = schedules[0], [default.screen()], 1.0
    if len(schedules) > 1:
        screened = [(Kernel(s.mod, target, args), s) for s in schedules[1:]]
        fastest, fastest_schedule = min(screened, key=lambda pair: pair[0].screen())
        default_seconds, candidate_seconds = paired_seconds(default, fastest)
        kept_seconds = default_seconds
        if beats_default(default_seconds, candidate_seconds, margin):
            kept, kept_seconds = fastest_schedule, candidate_seconds
            speedup = 1 / median_ratio(candidate_seconds, default_seconds)
    database.commit_tuning_record(
        ms.database.TuningRecord(
            kept.trace,
            database.commit_workload(workload_mod),
            [tvm.tirx.FloatImm("float32", s) for s in kept_seconds],
            target,
            ms.arg_info.ArgInfo.from_prim_func(workload_mod["main"]),
        )
    )
    return len(points), speedup


def _scheduled(
    workload_mod: tvm.IRModule, target: tvm.target.Target, decisions: tuple[int, ...]
) -> tvm.s_tir.Schedule:
    sch = tvm.s_tir.Schedule(workload_mod)
    schedule_conv(sch, target, replaying(decisions))
    return sch


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


def _best_us(path: pathlib.Path, task: ms.ExtractedTask) -> float | None:
    database = databases.open_database(path)
    holding = [
        record
        for record in database.get_top_k(database.commit_workload(task.dispatched[0]), MAX_RECORDS)
        if databases.still_holds(record)
    ]
    seconds = _mean_seconds(holding[0]) if holding else None
    return None if seconds is None else 1e6 * seconds


def _mean_seconds(record: ms.database.TuningRecord) -> float | None:
    seconds = [float(s) for s in (record.run_secs or [])]
    if not seconds or max(seconds) >= 1e9:  # MetaSchedule marks failed runs with 1e10
        return None
    return sum(seconds) / len(seconds)
