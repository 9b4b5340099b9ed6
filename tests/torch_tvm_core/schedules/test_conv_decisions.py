"""A tuned record keeps its decisions, and takes today's conv rule for everything around them."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import tvm
from torch import nn
from tvm.s_tir import meta_schedule as ms

from torch_tvm_core import capture, lower, pipeline
from torch_tvm_core.schedules import conv_rule, databases
from torch_tvm_core.schedules.conv_decisions import recorded_decisions, replaying
from torch_tvm_core.schedules.tuning import _is_conv, _scheduled, _space

TARGET = pipeline.default_target(2)


@pytest.fixture(scope="module")
def workload() -> tvm.IRModule:
    """A padded 3x3 conv whose input outweighs its weights: its padding runs rows-first today."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(16, 16, 3, padding=1), nn.ReLU()).eval()
    inputs = (torch.randn(1, 16, 28, 28),)
    kernels = pipeline.lower_to_kernels(lower.relax_module(capture.export_program(model, inputs)), TARGET)
    (task,) = [t for t in ms.relax_integration.extract_tasks(kernels, TARGET) if _is_conv(t)]
    return task.dispatched[0]


def stored(path: Path, workload: tvm.IRModule, trace: tvm.s_tir.Trace) -> Path:
    database = databases.open_database(path)
    database.commit_tuning_record(
        ms.database.TuningRecord(
            trace, database.commit_workload(workload), [tvm.tirx.FloatImm("float32", 1e-4)], TARGET,
            ms.arg_info.ArgInfo.from_prim_func(workload["main"]),
        )
    )
    return path


def applied_trace(path: Path, workload: tvm.IRModule) -> tvm.s_tir.Trace | None:
    tuned = databases.open_tuned_schedules(path)
    records = tuned.get_top_k(tuned.commit_workload(workload), 1)
    return records[0].trace if records else None


def tuned_decisions(workload: tvm.IRModule) -> tuple[int, ...]:
    return _space(workload, TARGET)[1]


def test_given_a_record_tuned_when_padding_ran_chunks_first_when_opened_then_it_pads_as_today_with_its_decisions(
    tmp_path, workload, monkeypatch
):
    # Given a tuned record whose trace came from a rule that padded channel chunks first
    todays_schedule_producers = conv_rule._schedule_producers
    with monkeypatch.context() as older_rule:
        older_rule.setattr(
            conv_rule, "_schedule_producers",
            lambda sch, conv, target, rows_outermost: todays_schedule_producers(sch, conv, target, False),
        )
        old = _scheduled(workload, TARGET, tuned_decisions(workload)).trace
    todays = _scheduled(workload, TARGET, tuned_decisions(workload)).trace
    assert str(old) != str(todays)

    # When the database is opened for a compile
    applied = applied_trace(stored(tmp_path, workload, old), workload)

    # Then the kernel gets today's rule with the record's decisions
    assert str(applied) == str(todays)
    assert recorded_decisions(applied) == recorded_decisions(old)


def test_given_a_record_whose_candidates_the_rule_no_longer_offers_when_opened_then_it_is_not_applied(
    tmp_path, workload, monkeypatch
):
    # Given a tuned record from a rule that offered no unrolling first, then the whole chunk
    with monkeypatch.context() as older_rule:
        older_rule.setattr(conv_rule, "channel_unrolls", lambda ic_block: [1, ic_block])
        sch = tvm.s_tir.Schedule(workload)
        conv_rule.schedule_conv(sch, TARGET, replaying([0, 0, 0, 1]))

    # When the database is opened for a compile
    applied = applied_trace(stored(tmp_path, workload, sch.trace), workload)

    # Then the kernel is left to today's default rule: the record never met today's default
    assert applied is None


def test_given_a_record_from_another_tuner_when_opened_then_its_trace_is_applied_as_it_stands(tmp_path, workload):
    # Given a record whose schedule sampled tile sizes, as MetaSchedule's own rules do
    sch = tvm.s_tir.Schedule(workload)
    conv = conv_rule.find_conv_block(sch)
    channels = sch.get_loops(conv)[1]
    sch.split(channels, sch.sample_perfect_tile(channels, n=2))

    # When the database is opened for a compile
    applied = applied_trace(stored(tmp_path, workload, sch.trace), workload)

    # Then its trace is applied unchanged
    assert str(applied) == str(sch.trace)
