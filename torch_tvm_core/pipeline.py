"""The Relax pipeline for the host CPU: IRModule with bound weights -> VM executable."""

from __future__ import annotations

import os

import tvm
from tvm import relax
from tvm.relax.backend.cpu_generic import pipeline as cpu_pipeline
from tvm.s_tir import dlight

from torch_tvm_core.schedules import databases
from torch_tvm_core.schedules.conv2d import make_conv2d_legalizer
from torch_tvm_core.schedules.cpu import simd_lanes
from torch_tvm_core.schedules.layout import blocked_layout
from torch_tvm_core.schedules.rules import BlockedConv, LoopNest


def default_target(num_threads: int | None = None) -> tvm.target.Target:
    """The LLVM target of this machine's CPU.

    TVM 0.27 rejects `-mcpu=` target strings, so the target is built in dict form.
    """
    cores = num_threads if num_threads is not None else os.cpu_count() or 1
    return tvm.target.Target(
        {
            "kind": "llvm",
            "mcpu": tvm.target.codegen.llvm_get_system_cpu(),
            "num-cores": cores,
        }
    )


def build(
    mod: tvm.IRModule,
    target: tvm.target.Target,
    *,
    opt_level: int,
    tuning_db: databases.TuningDatabase,
) -> relax.VMExecutable:
    """Legalize, fuse, schedule and compile `mod` into a Relax VM executable.

    tuning_db: None for the applied or shipped database of this target (if any), False for
    default schedules only, or a database directory.
    """
    with target, tvm.transform.PassContext(opt_level=opt_level):
        mod = lower_to_kernels(mod, target)
        mod = schedule_kernels(mod, target, databases.resolve(tuning_db, target))
        return tvm.compile(mod, target=target, relax_pipeline=_lowering(target))


def lower_to_kernels(mod: tvm.IRModule, target: tvm.target.Target) -> tvm.IRModule:
    """The graph with every operator legalized and fused into unscheduled TIR kernels."""
    passes = [
        blocked_layout(target),
        # Batch norms that did not follow a conv become scale-and-shift here.
        relax.transform.DecomposeOpsForInference(),
        relax.transform.CanonicalizeBindings(),
        relax.transform.FoldConstant(),
        relax.transform.LegalizeOps(
            {"relax.nn.conv2d": make_conv2d_legalizer(simd_lanes(target))}
        ),
        relax.transform.AnnotateTIROpPattern(),
        relax.transform.FoldConstant(),
        relax.transform.FuseOps(),
        relax.transform.FuseTIR(),
    ]
    with target:
        return tvm.transform.Sequential(passes)(mod)


def schedule_kernels(
    mod: tvm.IRModule, target: tvm.target.Target, database: os.PathLike | None
) -> tvm.IRModule:
    """Tuned schedules where the database has a record, the default schedules elsewhere."""
    passes = []
    if database is not None:
        passes.append(relax.transform.MetaScheduleApplyDatabase(enable_warning=False))
    passes.append(
        # LoopNest before dlight's CPU reduction rule: on ResNet's dense layer (a batch-1
        # matmul) its vectorized output loop runs 7-60x faster than dlight's schedule.
        dlight.ApplyDefaultSchedule(
            BlockedConv(), LoopNest(), dlight.cpu.GEMV(), dlight.cpu.Reduction()
        )
    )
    with target:
        if database is None:
            return tvm.transform.Sequential(passes)(mod)
        with databases.open_database(database):
            return tvm.transform.Sequential(passes)(mod)


def _lowering(target: tvm.target.Target) -> tvm.transform.Pass:
    return tvm.transform.Sequential(
        cpu_pipeline.dataflow_lower_passes(target) + cpu_pipeline.finalize_passes(target)
    )
