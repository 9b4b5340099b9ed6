"""The Relax pipeline for the host CPU: IRModule with bound weights -> VM executable.

Three stages, each timed: lower (legalize and fuse into TIR kernels), schedule (a tuning
record where the database has one, the default schedules elsewhere) and build (TVM's code
generation). Whole programs (tools, tuning) and partitioned subgraphs (the runtime) both
come through build_module().
"""

from __future__ import annotations

import dataclasses

import tvm
from tvm import relax
from tvm.relax.backend.cpu_generic import pipeline as cpu_pipeline
from tvm.s_tir import dlight

from torch_tvm_core.schedules.constant_folding import fold_constants_in_numpy
from torch_tvm_core.schedules.conv2d import make_conv2d_legalizer
from torch_tvm_core.schedules.cpu import simd_lanes
from torch_tvm_core.schedules.matmul import make_matmul_legalizer
from torch_tvm_core.schedules.layout import blocked_layout
from torch_tvm_core.schedules.rules import LoopNest, kernel_rules
from torch_tvm_core.schedules.tir_pipeline import TIR_PIPELINE
from torch_tvm_core.schedules.vector_math import legalizers as vector_math_legalizers
from torch_tvm_core.timing import StageTimes
from torch_tvm_core.toolchain import Toolchain, default_target
from torch_tvm_core.tuning_database import TuningDbOption

__all__ = ["BuiltModule", "KernelCounts", "build", "build_module", "default_target"]


@dataclasses.dataclass(frozen=True)
class KernelCounts:
    """How the compiled kernels got their schedules."""

    tuned: int = 0
    default: int = 0

    def __add__(self, other: KernelCounts) -> KernelCounts:
        return KernelCounts(self.tuned + other.tuned, self.default + other.default)


@dataclasses.dataclass(frozen=True)
class BuiltModule:
    executable: relax.VMExecutable
    kernels: KernelCounts


def build(
    mod: tvm.IRModule, target: tvm.target.Target, *, opt_level: int, tuning_db: TuningDbOption
) -> relax.VMExecutable:
    """Compile a whole program for `target`. tuning_db: None for the applied or shipped
    database of this target (if any), False for default schedules only, or a database
    directory."""
    toolchain = Toolchain.for_target(target, opt_level=opt_level, tuning_db=tuning_db)
    return build_module(mod, toolchain, StageTimes()).executable


def build_module(mod: tvm.IRModule, toolchain: Toolchain, times: StageTimes) -> BuiltModule:
    """Lower, schedule and build `mod`, adding each stage's seconds to `times`."""
    target = toolchain.target
    with target, tvm.transform.PassContext(opt_level=toolchain.opt_level):
        with times.stage("lower"):
            mod = lower_to_kernels(mod, target)
        with times.stage("schedule"):
            mod, kernels = schedule_kernels(mod, target, toolchain.database)
        with times.stage("build"):
            executable = tvm.compile(
                mod, target=target, relax_pipeline=_lowering(target), tir_pipeline=TIR_PIPELINE
            )
    return BuiltModule(executable, kernels)


def lower_to_kernels(mod: tvm.IRModule, target: tvm.target.Target) -> tvm.IRModule:
    """The graph with every operator legalized and fused into unscheduled TIR kernels."""
    passes = [
        # sort, topk, cumsum and sampling have no legalization, only these library
        # dispatches; without them the VM code generator rejects the module.
        *cpu_pipeline.library_dispatch_passes(target),
        blocked_layout(target),
        # Batch norms that did not follow a conv become scale-and-shift here.
        relax.transform.DecomposeOpsForInference(),
        relax.transform.CanonicalizeBindings(),
        # numpy first: FoldConstant builds and runs a TIR kernel per constant expression.
        fold_constants_in_numpy,
        relax.transform.FoldConstant(),
        relax.transform.LegalizeOps(
            {
                "relax.nn.conv2d": make_conv2d_legalizer(target),
                "relax.matmul": make_matmul_legalizer(simd_lanes(target)),
                **vector_math_legalizers(),
            }
        ),
        relax.transform.AnnotateTIROpPattern(),
        relax.transform.FoldConstant(),
        relax.transform.FuseOps(),
        relax.transform.FuseTIR(),
    ]
    with target:
        return tvm.transform.Sequential(passes)(mod)


def schedule_kernels(
    mod: tvm.IRModule,
    target: tvm.target.Target,
    database: tvm.s_tir.meta_schedule.database.Database | None,
) -> tuple[tvm.IRModule, KernelCounts]:
    """Tuned schedules where the database has a record, the default schedules elsewhere."""
    with target:
        tuned = 0
        if database is not None:
            with database:
                mod = relax.transform.MetaScheduleApplyDatabase(enable_warning=False)(mod)
            tuned = sum(_is_scheduled(func) for func in _kernels(mod))
        kernels = KernelCounts(tuned=tuned, default=len(_kernels(mod)) - tuned)
        # LoopNest before dlight's CPU reduction rule: on ResNet's dense layer (a batch-1
        # matmul) its vectorized output loop runs 7-60x faster than dlight's schedule.
        default_rules = dlight.ApplyDefaultSchedule(
            *kernel_rules(), LoopNest(), dlight.cpu.GEMV(), dlight.cpu.Reduction()
        )
        return default_rules(mod), kernels


def _kernels(mod: tvm.IRModule) -> list[tvm.tirx.PrimFunc]:
    return [func for func in mod.functions.values() if isinstance(func, tvm.tirx.PrimFunc)]


def _is_scheduled(func: tvm.tirx.PrimFunc) -> bool:
    return bool(func.attrs is not None and func.attrs.get("tirx.is_scheduled", False))


def _lowering(target: tvm.target.Target) -> tvm.transform.Pass:
    return tvm.transform.Sequential(
        cpu_pipeline.dataflow_lower_passes(target) + cpu_pipeline.finalize_passes(target)
    )
