"""What about a call's inputs decides which compiled plan may run it."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any, NamedTuple

import torch


class TensorSpec(NamedTuple):
    shape: tuple[int, ...]
    dtype: torch.dtype


InputSpec = tuple[Hashable, ...]


def input_spec(args: Sequence[Any]) -> InputSpec:
    """Shapes and dtypes of tensors, values of the rest, and which inputs alias: a hashable
    key for a dict lookup.

    Strides are left out: every executable takes compact row-major tensors, and inputs of
    other layouts are made compact before the call. Aliasing matters because a program
    captured with f(x, x) may have merged the two.
    """
    first_seen: dict[int, int] = {}
    parts: list[Hashable] = []
    for index, arg in enumerate(args):
        if isinstance(arg, torch.Tensor):
            alias = first_seen.setdefault(id(arg), index)
            parts.append((TensorSpec(tuple(arg.shape), arg.dtype), alias))
        else:
            parts.append(("value", type(arg).__name__, repr(arg)))
    return tuple(parts)

