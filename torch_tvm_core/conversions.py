"""Our own converters for ATen operators TVM's importer gets wrong.

Each entry replaces the importer's converter of the same name (TVM's custom_convert_map),
and is called as converter(node, importer). Found by the OpInfo sweep
(tests/torch_tvm_core/opinfo_sweep.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from torch import fx
from tvm import relax

Converter = Callable[[fx.Node, Any], relax.Var]


def _elu(node: fx.Node, importer: Any) -> relax.Var:
    """elu(x, alpha, scale, input_scale)
    = scale * (x if x > 0 else alpha * (exp(x * input_scale) - 1)).

    TVM's converter reads alpha only, so SELU (elu with SELU's alpha and scale, which is
    what F.selu decomposes to) came out as plain ELU.
    """
    x = importer.env[node.args[0]]
    alpha, scale, input_scale = (
        _argument(node, position, name, 1.0)
        for position, name in ((1, "alpha"), (2, "scale"), (3, "input_scale"))
    )
    dtype = x.ty.dtype
    bb = importer.block_builder

    def const(value: float) -> relax.Expr:
        return relax.const(value, dtype)

    negative = relax.op.multiply(
        const(alpha), relax.op.subtract(relax.op.exp(relax.op.multiply(x, const(input_scale))),
                                        const(1.0))
    )
    chosen = relax.op.where(relax.op.greater(x, const(0.0)), x, negative)
    return bb.emit(relax.op.multiply(const(scale), chosen))


def _grid_sampler_2d(node: fx.Node, importer: Any) -> relax.Var:
    """PyTorch's grid is [N, H_out, W_out, 2]; TVM's grid_sample takes [N, 2, H_out, W_out]."""
    args = importer.retrieve_args(node)
    data, grid = args[0], args[1]
    interpolation = {0: "bilinear", 1: "nearest", 2: "bicubic"}[args[2]]
    padding = {0: "zeros", 1: "border", 2: "reflection"}[args[3]]
    channels_first = relax.op.permute_dims(grid, [0, 3, 1, 2])
    return importer.block_builder.emit(
        relax.op.image.grid_sample(
            data,
            channels_first,
            method=interpolation,
            layout="NCHW",
            padding_mode=padding,
            align_corners=bool(args[4]),
        )
    )


def _argument(node: fx.Node, position: int, name: str, default: float) -> float:
    if len(node.args) > position:
        return float(node.args[position])
    return float(node.kwargs.get(name, default))


CONVERTERS: Mapping[str, Converter] = {
    "elu.default": _elu,
    "grid_sampler_2d.default": _grid_sampler_2d,
}
