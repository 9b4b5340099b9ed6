"""Compacting a database keeps the default schedule unless another measured clearly faster."""

from __future__ import annotations

import pytest
import torch
import tvm
from torch import nn
from tvm.s_tir import meta_schedule as ms

from torch_tvm_core import capture, lower, pipeline
from torch_tvm_core.schedules import databases, tuning
from torch_tvm_core.schedules.conv_rule import schedule_conv


@pytest.fixture(scope="module")
def conv_kernel() -> tvm.IRModule:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(16, 32, 3, padding=1), nn.ReLU()).eval()
    target = pipeline.default_target(1)
    program = capture.export_program(model, (torch.randn(1, 16, 8, 8),))
    kernels = pipeline.lower_to_kernels(lower.relax_module(program), target)
    task = next(t for t in ms.relax_integration.extract_tasks(kernels, target) if tuning._is_conv(t))
    return task.dispatched[0]


def _commit(path, kernel: tvm.IRModule, decisions: tuple[int, ...], seconds: float) -> None:
    target = pipeline.default_target(1)
    database = databases.open_database(path)
    sch = tvm.s_tir.Schedule(kernel)
    schedule_conv(sch, target, tuning._replaying(decisions))
    database.commit_tuning_record(
        ms.database.TuningRecord(
            sch.trace,
            database.commit_workload(kernel),
            [tvm.tirx.FloatImm("float32", seconds)],
            target,
            ms.arg_info.ArgInfo.from_prim_func(kernel["main"]),
        )
    )


def _kept(path) -> ms.database.TuningRecord:
    (record,) = databases.open_database(path).get_all_tuning_records()
    return record


@pytest.mark.parametrize(("other_seconds", "default_kept"), [(0.99, True), (0.90, False)])
def test_given_a_default_and_a_faster_record_when_compacted_then_the_default_stays_unless_3_percent_slower(
    tmp_path, conv_kernel, other_seconds, default_kept
):
    space = tuning._space(conv_kernel, pipeline.default_target(1))
    default, other = space[0], space[1]
    _commit(tmp_path, conv_kernel, default, 1.0)
    _commit(tmp_path, conv_kernel, other, other_seconds)

    tuning.compact(tmp_path)

    assert tuning._is_default(_kept(tmp_path)) is default_kept
