"""Ask TVM, before partitioning, whether it can build an elementwise operator at all.

TVM's converter table names operators whose TIR intrinsic has no lowering in the CPU
pipeline's vectorized code (cosh and sinh: "unknown intrinsic tirx.cosh"). Such an
operator would be sent to TVM, fail the build of the whole subgraph around it, and fall
back with it. Instead each elementwise operator is built once, alone, on a small vector
of its dtype, and the answer is kept for the process.
"""

from __future__ import annotations

import ast
import functools
import logging
import warnings
from typing import Any

import torch
from torch import fx

_log = logging.getLogger(__name__)
# Long enough that the CPU pipeline vectorizes the loop, as it would in a real subgraph.
_PROBE_LENGTH = 64


def needs_probe(node: fx.Node) -> bool:
    """Elementwise operators on floating tensors that TVM computes with a TIR intrinsic of
    their own name (tirx.cosh, tirx.erf, ...): only intrinsics can lack a lowering; the
    rest is arithmetic TVM always generates."""
    target = node.target
    if not isinstance(target, torch._ops.OpOverload) or torch.Tag.pointwise not in target.tags:
        return False
    value = node.meta.get("val")
    if not (isinstance(value, torch.Tensor) and value.dtype.is_floating_point):
        return False
    return _has_intrinsic(target._opname)


@functools.cache
def _has_intrinsic(name: str) -> bool:
    import tvm

    try:
        tvm.ir.Op.get(f"tirx.{name}")
    except Exception:  # noqa: BLE001 - TVM reports an unknown op name as a generic error
        return False
    return True


def builds_alone(node: fx.Node) -> bool:
    """Whether TVM builds this elementwise node's operator, with its constant arguments."""
    tensor_dtypes = []
    for source in node.all_input_nodes:
        value = source.meta.get("val")
        if not isinstance(value, torch.Tensor):
            return False
        tensor_dtypes.append(value.dtype)
    if any(isinstance(value, fx.Node) for value in node.kwargs.values()):
        return False
    kwargs = tuple(sorted((key, repr(value)) for key, value in node.kwargs.items()))
    return _builds(node.target, tuple(tensor_dtypes), _template(node), kwargs)


def _template(node: fx.Node) -> tuple[Any, ...]:
    """The node's positional arguments, tensors replaced by their position among inputs,
    constants by their repr (hashable, and read back by _literal)."""
    inputs = node.all_input_nodes
    return tuple(
        ("input", inputs.index(arg)) if isinstance(arg, fx.Node) else ("value", repr(arg))
        for arg in node.args
    )


@functools.cache
def _builds(
    target: torch._ops.OpOverload,
    dtypes: tuple[torch.dtype, ...],
    template: tuple[Any, ...],
    kwargs: tuple[tuple[str, str], ...],
) -> bool:
    from torch_tvm_core import lower, pipeline

    literal_kwargs = {key: _literal(text) for key, text in kwargs}

    def single_op(*tensors: torch.Tensor) -> Any:
        args = [tensors[slot] if kind == "input" else _literal(slot) for kind, slot in template]
        return target(*args, **literal_kwargs)

    inputs = [_sample(dtype) for dtype in dtypes]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            module = lower.subgraph_relax_module(_FunctionModule(single_op), inputs)
            pipeline.build(module, pipeline.default_target(), opt_level=3, tuning_db=False)
    except Exception as exc:  # noqa: BLE001 - any failure means: not on TVM
        _log.info("%s is left to PyTorch: TVM cannot build it alone: %s", target, exc)
        return False
    return True


def _literal(text: str) -> Any:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        # dtypes, layouts and devices: "torch.float32", "device(type='cpu')"
        if text.startswith("device("):
            return torch.device("cpu")
        return getattr(torch, text.removeprefix("torch."))


def _sample(dtype: torch.dtype) -> torch.Tensor:
    return torch.linspace(0.1, 0.9, _PROBE_LENGTH).to(dtype)


class _FunctionModule(torch.nn.Module):
    def __init__(self, fn: Any) -> None:
        super().__init__()
        self.fn = fn

    def forward(self, *args: Any) -> Any:
        return self.fn(*args)
