"""One ATen subgraph -> Relax IRModule -> the CPU pipeline -> a VM executable."""

from __future__ import annotations

import pathlib
from collections.abc import Sequence

import torch
import tvm
from torch import fx
from tvm import relax
from tvm.relax.backend.cpu_generic import pipeline as cpu_pipeline
from tvm.relax.frontend.torch import from_exported_program

from torch_tvm_core import capture, pipeline
from torch_tvm_core.schedules import databases
from torch_tvm_core.settings import Settings


def relax_module(program: torch.export.ExportedProgram) -> tvm.IRModule:
    """The Relax IRModule of a core-ATen program; weights become bound constants."""
    # The program is already core ATen (capture decomposed it); decomposing again
    # would only cost time.
    return from_exported_program(program, keep_params_as_input=False, run_ep_decomposition=False)


def subgraph_relax_module(
    graph_module: fx.GraphModule, inputs: Sequence[torch.Tensor]
) -> tvm.IRModule:
    """Re-export a partitioned subgraph for its inputs and import it into Relax."""
    return relax_module(capture.export_program(graph_module, inputs, decompose=False))


def target_for(settings: Settings) -> tvm.target.Target:
    if settings.target is not None:
        return settings.target
    return pipeline.default_target(torch.get_num_threads())


def tuning_database(settings: Settings, target: tvm.target.Target) -> pathlib.Path | None:
    """The database a compile with these settings applies, after apply_tuning() and the
    shipped databases have had their say."""
    return databases.resolve(settings.tuning_db, target)


def build(module: tvm.IRModule, settings: Settings) -> relax.VMExecutable:
    target = target_for(settings)
    with target:
        # sort, topk, cumsum and sampling have no legalization, only these library
        # dispatches; without them the VM code generator rejects the module.
        module = tvm.transform.Sequential(cpu_pipeline.library_dispatch_passes(target))(module)
    return pipeline.build(
        module, target, opt_level=settings.opt_level, tuning_db=settings.tuning_db
    )
