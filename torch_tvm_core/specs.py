"""What about a call's inputs decides which compiled code may run it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import torch


class TensorSpec(NamedTuple):
    shape: tuple[int, ...]
    dtype: torch.dtype
    stride: tuple[int, ...]


InputSpec = tuple[Any, ...]


def input_spec(args: Sequence[Any]) -> InputSpec:
    """Shapes, dtypes and strides of tensors, values of the rest, and which inputs alias.

    Aliasing matters because a program captured with f(x, x) may have merged the two.
    """
    first_seen: dict[int, int] = {}
    parts: list[Any] = []
    for index, arg in enumerate(args):
        if isinstance(arg, torch.Tensor):
            alias = first_seen.setdefault(id(arg), index)
            parts.append((TensorSpec(tuple(arg.shape), arg.dtype, arg.stride()), alias))
        else:
            parts.append(("value", type(arg).__name__, repr(arg)))
    return tuple(parts)


def shapes_and_dtypes(spec: InputSpec) -> InputSpec:
    """The part of a spec that captured and compiled code depend on; strides only decide
    whether an input is copied to a compact layout first."""
    return tuple(
        (part[0].shape, part[0].dtype, part[1]) if isinstance(part[0], TensorSpec) else part
        for part in spec
    )
