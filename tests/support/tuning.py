"""Tuning databases for tests: what tune() writes where a candidate beat the default."""

from __future__ import annotations

import pathlib

import torch
import tvm
from tvm.s_tir import meta_schedule as ms

from torch_tvm_core import capture, lower, pipeline
from torch_tvm_core.schedules import databases
from torch_tvm_core.schedules.tuning import _is_conv, _scheduled, _space


def database_with_tuned_records(model: torch.nn.Module, inputs: tuple, path: pathlib.Path) -> pathlib.Path:
    """A database holding, for each conv kernel of `model` (this CPU, one thread), a record of
    the first candidate after the default in the tuner's order: a tuned, non-default schedule."""
    target = pipeline.default_target(1)
    kernels = pipeline.lower_to_kernels(lower.relax_module(capture.export_program(model, inputs)), target)
    database = databases.open_database(path)
    for task in (t for t in ms.relax_integration.extract_tasks(kernels, target) if _is_conv(t)):
        workload = task.dispatched[0]
        schedule = _scheduled(workload, target, _space(workload, target)[1])
        database.commit_tuning_record(
            ms.database.TuningRecord(
                schedule.trace, database.commit_workload(workload), [tvm.tirx.FloatImm("float32", 1e-4)],
                target, ms.arg_info.ArgInfo.from_prim_func(workload["main"]),
            )
        )
    return path
