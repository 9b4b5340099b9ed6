"""Any PyTorch program -> one core-ATen FX graph, specialised to the given inputs.

TorchScript (trace or script) goes through TS2EPConverter, everything else through
torch.export. Both end in the core-ATen decomposition TVM's importer expects, so the
partitioner sees exactly the operators the converter table is keyed by.
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import fx

ProgramSource = torch.nn.Module | Callable[..., Any]


class _FunctionAsModule(torch.nn.Module):
    """Lets torch.export take a plain function."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        super().__init__()
        self.fn = fn

    def forward(self, *args: Any) -> Any:
        return self.fn(*args)


def is_torchscript(source: object) -> bool:
    return isinstance(source, torch.jit.ScriptModule | torch.jit.ScriptFunction)


def export_program(
    source: ProgramSource, inputs: Sequence[Any], *, decompose: bool = True
) -> torch.export.ExportedProgram:
    """The core-ATen ExportedProgram of `source`, with static shapes of `inputs`.

    decompose=False is for sources that are core ATen already (partitioned subgraphs):
    the decomposition pass costs over a second even on a tiny graph.
    """
    args = tuple(inputs)
    with _quiet_export(), torch.no_grad():
        if is_torchscript(source):
            from torch._export.converter import TS2EPConverter

            # The converter marks every dimension dynamic; re-exporting its module
            # specialises the shapes, which the per-shape plans rely on.
            converted = TS2EPConverter(source, args).convert()
            module: torch.nn.Module = converted.module()
        elif isinstance(source, torch.nn.Module):
            module = source
        elif callable(source):
            module = _FunctionAsModule(source)
        else:
            raise TypeError(f"expected an nn.Module, a function or TorchScript, got {source!r}")
        program = torch.export.export(module, args, strict=False)
        return program.run_decompositions() if decompose else program


def aten_graph(program: torch.export.ExportedProgram) -> fx.GraphModule:
    """The program as a GraphModule over flat inputs returning a flat tuple, weights as
    attributes (get_attr nodes).

    Plans are looked up by exact input shapes and structure, so export's input checks
    (guards, pre-hooks, pytree matching) would be repeated work on every call: a fresh
    GraphModule with plain code generation leaves them out. The output structure is
    program.call_spec.out_spec.
    """
    unlifted = program.module()
    graph = unlifted.graph
    for node in list(graph.nodes):
        if node.op == "call_module" and node.target == "_guards_fn":
            graph.erase_node(node)
    graph.eliminate_dead_code()
    graph._codegen = fx.graph.CodeGen()
    return fx.GraphModule(unlifted, graph)


@contextlib.contextmanager
def _quiet_export():
    """Export narrates every specialisation it makes; users asked for none of that."""
    export_logger = logging.getLogger("torch._export")
    level = export_logger.level
    export_logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            yield
    finally:
        export_logger.setLevel(level)
