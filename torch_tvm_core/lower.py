"""A core-ATen program or partitioned subgraph -> a Relax IRModule with its weights bound."""

from __future__ import annotations

from collections.abc import Sequence

import torch
import tvm
from torch import fx
from tvm.relax.frontend.torch import from_exported_program

from torch_tvm_core import capture
from torch_tvm_core.conversions import CONVERTERS


def relax_module(program: torch.export.ExportedProgram) -> tvm.IRModule:
    """The Relax IRModule of a core-ATen program; weights become bound constants."""
    # The program is already core ATen (capture decomposed it); decomposing again
    # would only cost time.
    return from_exported_program(
        program,
        keep_params_as_input=False,
        run_ep_decomposition=False,
        custom_convert_map=dict(CONVERTERS),
    )


def subgraph_relax_module(
    graph_module: fx.GraphModule, inputs: Sequence[torch.Tensor]
) -> tvm.IRModule:
    """Re-export a partitioned subgraph for its inputs and import it into Relax."""
    return relax_module(capture.export_program(graph_module, inputs, decompose=False))
