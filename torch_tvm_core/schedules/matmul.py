"""A matmul by a constant weight matrix, lowered with the weights packed in column panels.

The matmul rule (matmul_rule.py) computes a panel of one or two SIMD vectors of columns for a
few rows while the reduction streams down the weights. Read in place, the weights of one panel
lie a whole row apart: ViT's MLP weights (768 x 3072 and 3072 x 768) have rows 12 KiB and
3 KiB long, so the panel's lines fell into a few cache sets and were evicted before the next
row tile reused them (70-95 GFLOP/s at two threads, against 220 for the 768 x 2304 projection).
Packed [N / panel, K, panel] at compile time, each panel is one contiguous stream.
"""

from __future__ import annotations

import numpy
from tvm import relax, te
from tvm.ir import GenericConst, Op

from torch_tvm_core.schedules.constant_folding import static_shape
from torch_tvm_core.schedules.matmul_rule import MATMUL_BLOCK_NAME, MIN_ROWS, column_vectors

_DEFAULT_LEGALIZE = Op.get("relax.matmul").get_attr("FLegalize")


def panel_width(columns: int, lanes: int) -> int | None:
    """Columns per panel: what the matmul rule's register tile covers, None if it tiles none."""
    vectors = column_vectors(columns, lanes)
    return None if vectors is None else vectors * lanes


def pack_panels(weights: numpy.ndarray, panel: int) -> numpy.ndarray:
    """[K, N] -> [N / panel, K, panel]."""
    depth, columns = weights.shape
    return numpy.ascontiguousarray(weights.reshape(depth, columns // panel, panel).transpose(1, 0, 2))


def matmul_packed(data: te.Tensor, packed: te.Tensor) -> te.Tensor:
    """data [..., M, K] x packed weights [N / panel, K, panel] -> [..., M, N]."""
    panels, depth, panel = (int(d) for d in packed.shape)
    k = te.reduce_axis((0, depth), name="k")
    return te.compute(
        (*data.shape[:-1], panels * panel),
        lambda *index: te.sum(
            data[(*index[:-1], k)] * packed[index[-1] // panel, k, index[-1] % panel], axis=k
        ),
        name=MATMUL_BLOCK_NAME,
    )


def make_matmul_legalizer(lanes: int):
    """A LegalizeOps function for relax.matmul: packed weights where the matmul rule will tile
    the product, TVM's own legalization elsewhere."""

    def legalize(bb: relax.BlockBuilder, call: relax.Call) -> relax.Expr:
        data, weights = call.args
        panel = _panel_for(data, weights, call, lanes)
        if panel is None:
            return _DEFAULT_LEGALIZE(bb, call)
        packed = relax.const(pack_panels(weights.value.numpy(), panel))
        return bb.call_te(matmul_packed, data, packed, primfunc_name_hint="matmul")

    return legalize


def _panel_for(data: relax.Expr, weights: relax.Expr, call: relax.Call, lanes: int) -> int | None:
    if not isinstance(weights, GenericConst) or len(weights.value.shape) != 2:
        return None
    if str(weights.value.dtype) != "float32" or str(call.ty.dtype) != "float32":
        return None
    shape = static_shape(data.ty)
    if shape is None or len(shape) < 2 or shape[-2] < MIN_ROWS:
        return None
    return panel_width(int(weights.value.shape[1]), lanes)
