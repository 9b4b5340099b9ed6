"""compile() and to_relax(): the entry points that work whether or not enable() was called."""

from __future__ import annotations

import pathlib
from collections.abc import Sequence
from typing import Any, Literal

import torch
import tvm

from torch_tvm_core import capture, lower
from torch_tvm_core.compiled import CompiledModel
from torch_tvm_core.errors import UnsupportedOperatorError
from torch_tvm_core.partition import count_ops
from torch_tvm_core.settings import Settings
from torch_tvm_core.support import is_supported


def compile(  # noqa: A001 - the name users know from torch.compile
    model_or_fn: capture.ProgramSource,
    example_inputs: Sequence[Any],
    *,
    opt_level: int = 3,
    strict: bool = False,
    target: tvm.target.Target | dict | str | None = None,
    tuning_db: pathlib.Path | str | Literal[False] | None = None,
    min_subgraph_size: int = 2,
    **options: Any,
) -> CompiledModel:
    """Compile for `example_inputs` now; other input shapes compile on their first call.

    `options` takes the remaining Settings fields (cache_size, cache_dir).
    """
    settings = Settings.from_options(
        opt_level=opt_level,
        strict=strict,
        target=target,
        tuning_db=tuning_db,
        min_subgraph_size=min_subgraph_size,
        **options,
    )
    compiled = CompiledModel(_program_of(model_or_fn), settings)
    compiled(*_as_tuple(example_inputs))
    return compiled


def to_relax(fn_or_module: capture.ProgramSource, inputs: Sequence[Any]) -> tvm.IRModule:
    """The whole program as one Relax IRModule, weights bound as constants.

    Takes a plain function or nn.Module (captured by torch.export), or a traced or
    scripted TorchScript function or module.
    """
    program = capture.export_program(_program_of(fn_or_module), _as_tuple(inputs))
    unsupported = count_ops(node for node in program.graph.nodes if not is_supported(node))
    if unsupported:
        raise UnsupportedOperatorError(unsupported, reason="to_relax() lowers the whole graph")
    return lower.relax_module(program)


def _program_of(source: capture.ProgramSource) -> capture.ProgramSource:
    """What a module traced while enable() was on (or compiled before) was made from."""
    while isinstance(source, CompiledModel):
        source = source.__dict__["source"]
    return source


def _as_tuple(inputs: Sequence[Any] | torch.Tensor) -> tuple[Any, ...]:
    if isinstance(inputs, torch.Tensor):
        return (inputs,)
    return tuple(inputs)
