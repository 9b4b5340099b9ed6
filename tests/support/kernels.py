"""The TIR kernels torch_tvm_core makes of a model: their names after lowering, their scripts
after scheduling."""

from __future__ import annotations

import torch
import tvm

from torch_tvm_core import capture, lower, pipeline
from torch_tvm_core.schedules.cpu import has_avx512


def lowered_kernels(
    model: torch.nn.Module, inputs: tuple, threads: int = 1, target: dict | None = None
) -> tvm.IRModule:
    """target: a TVM target dict; None for this CPU with `threads`."""
    target = tvm.target.Target(target) if target else pipeline.default_target(threads)
    module = lower.relax_module(capture.export_program(model.eval(), inputs))
    with target, tvm.transform.PassContext(opt_level=3):
        return pipeline.lower_to_kernels(module, target)


def kernel_names(model: torch.nn.Module, inputs: tuple, target: dict | None = None) -> list[str]:
    lowered = lowered_kernels(model, inputs, target=target)
    return [gvar.name_hint for gvar, func in lowered.functions_items() if isinstance(func, tvm.tirx.PrimFunc)]


def scheduled_kernels(
    model: torch.nn.Module, inputs: tuple, threads: int = 2, target: dict | None = None
) -> dict[str, str]:
    """Kernel name -> TVMScript of the kernel as the default rules scheduled it; target: a TVM
    target dict, None for this CPU with `threads`."""
    lowered = lowered_kernels(model, inputs, threads, target)
    target = tvm.target.Target(target) if target else pipeline.default_target(threads)
    with target, tvm.transform.PassContext(opt_level=3):
        scheduled, _ = pipeline.schedule_kernels(lowered, target, None)
    return {
        gvar.name_hint: func.script()
        for gvar, func in scheduled.functions_items() if isinstance(func, tvm.tirx.PrimFunc)
    }


def host_has_avx512() -> bool:
    """Whether this CPU runs AVX-512 code: tests that run code compiled for AVX-512 need it."""
    return has_avx512(pipeline.default_target(1))
