"""How much floating-point work each node of a captured graph does, and what kind of op it is.

Counted from the shapes export recorded on every node (node.meta["val"]): convolutions and
matrix products exactly (a multiply and an add per term), pooling per window element, views
as nothing, and everything else one operation per element of its largest tensor.
"""

from __future__ import annotations

import dataclasses
import math
import operator
from collections import Counter
from collections.abc import Iterable
from typing import Any

import torch
from torch import fx

from torch_tvm_core.support import op_name

CONVOLUTION, MATMUL, POOLING, OTHER = "convolution", "matmul", "pooling", "other"

_MATMULS = frozenset(
    {"mm", "bmm", "addmm", "baddbmm", "addbmm", "matmul", "linear", "mv", "addmv", "dot", "vdot"}
)
# Ops that add their third operand to the product.
_MATMULS_WITH_ADD = frozenset({"addmm", "baddbmm", "addbmm", "addmv"})
_VIEWS = frozenset(
    {
        "view", "_unsafe_view", "reshape", "permute", "expand", "t", "transpose", "squeeze",
        "unsqueeze", "alias", "detach", "slice", "select", "as_strided", "split",
        "split_with_sizes", "unbind", "unflatten", "flatten", "view_as", "lift_fresh_copy",
    }
)


@dataclasses.dataclass
class Work:
    """The work of a set of nodes. flops is None when some node's shapes are unknown."""

    flops: int | None = 0
    ops: Counter[str] = dataclasses.field(default_factory=Counter)
    kinds: Counter[str] = dataclasses.field(default_factory=Counter)

    def add(self, other: Work) -> None:
        self.flops = None if self.flops is None or other.flops is None else self.flops + other.flops
        self.ops.update(other.ops)
        self.kinds.update(other.kinds)


def work_of(nodes: Iterable[fx.Node]) -> Work:
    work = Work()
    for node in nodes:
        if node.op != "call_function" or node.target is operator.getitem:
            continue
        flops = node_flops(node)
        work.add(Work(flops, Counter([op_name(node)]), Counter([op_kind(node)])))
    return work


def op_kind(node: fx.Node) -> str:
    name = _base_name(node)
    if name.startswith(("conv", "_conv", "cudnn_conv", "mkldnn_conv")):
        return CONVOLUTION
    if name in _MATMULS or "scaled_dot_product" in name:
        return MATMUL
    if "pool" in name:
        return POOLING
    return OTHER


def node_flops(node: fx.Node) -> int | None:
    """Floating-point operations of one call_function node, None if its shapes are unknown."""
    try:
        return _flops(node, _base_name(node), op_kind(node))
    except (TypeError, ValueError, IndexError, AttributeError):
        # A data-dependent size, or an op with an unexpected signature.
        return None


def _flops(node: fx.Node, name: str, kind: str) -> int | None:
    out = _tensor(node.meta.get("val"))
    if name in _VIEWS or name.startswith("sym_") or name.startswith("_assert"):
        return 0
    if out is None:
        return None if "val" not in node.meta else 0
    out_numel = _numel(out)
    if kind == CONVOLUTION:
        data, weight = _arg_tensor(node, 0), _arg_tensor(node, 1)
        per_output = _numel(weight) // _size(weight.shape[0])
        transposed = len(node.args) > 6 and bool(node.args[6])
        products = _numel(data) * _size(weight.shape[1]) * math.prod(
            _size(size) for size in weight.shape[2:]
        ) if transposed else out_numel * per_output
        has_bias = len(node.args) > 2 and node.args[2] is not None
        return 2 * products + (out_numel if has_bias else 0)
    if kind == MATMUL and "scaled_dot_product" in name:
        query, key, value = (_arg_tensor(node, index) for index in range(3))
        scores = _numel(query) // _size(query.shape[-1]) * _size(key.shape[-2])
        return 2 * scores * (_size(query.shape[-1]) + _size(value.shape[-1]))
    if kind == MATMUL:
        left = _arg_tensor(node, 1 if name in _MATMULS_WITH_ADD else 0)
        depth = _size(left.shape[-1])
        adds = out_numel if name in _MATMULS_WITH_ADD or _linear_with_bias(node, name) else 0
        return 2 * out_numel * depth + adds
    if kind == POOLING and len(node.args) > 1 and _is_int_list(node.args[1]):
        return out_numel * math.prod(int(size) for size in node.args[1])
    sizes = [out_numel] + [_numel(tensor) for tensor in _input_tensors(node)]
    return max(sizes)


def _base_name(node: fx.Node) -> str:
    target = node.target
    if isinstance(target, torch._ops.OpOverload):
        return target._opname
    return getattr(target, "__name__", str(target))


def _tensor(value: Any) -> torch.Tensor | None:
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    return value if isinstance(value, torch.Tensor) else None


def _arg_tensor(node: fx.Node, index: int) -> torch.Tensor:
    argument = node.args[index]
    tensor = _tensor(argument.meta.get("val")) if isinstance(argument, fx.Node) else None
    if tensor is None:
        raise ValueError(f"argument {index} of {node.name} has no recorded shape")
    return tensor


def _input_tensors(node: fx.Node) -> list[torch.Tensor]:
    tensors = (_tensor(source.meta.get("val")) for source in node.all_input_nodes)
    return [tensor for tensor in tensors if tensor is not None]


def _numel(tensor: torch.Tensor) -> int:
    return math.prod(_size(size) for size in tensor.shape)


def _size(size: object) -> int:
    # A data-dependent size (a SymInt) has no value to count with; asking it for one would
    # raise torch's guard error instead.
    if not isinstance(size, int):
        raise ValueError(f"size {size} is not known before the call")
    return size


def _is_int_list(value: object) -> bool:
    return isinstance(value, list | tuple) and all(isinstance(v, int) for v in value)


def _linear_with_bias(node: fx.Node, name: str) -> bool:
    return name == "linear" and len(node.args) > 2 and node.args[2] is not None
