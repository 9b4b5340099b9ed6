"""A matmul by a constant weight matrix, lowered with the weights packed in column panels.

The matmul rule (matmul_rule.py) computes a panel of one or two SIMD vectors of columns for a
few rows while the reduction streams down the weights. Read in place, the weights of one panel
lie a whole row apart: ViT's MLP weights (768 x 3072 and 3072 x 768) have rows 12 KiB and
3 KiB long, so the panel's lines fell into a few cache sets and were evicted before the next
row tile reused them (70-95 GFLOP/s at two threads, against 220 for the 768 x 2304 projection).
Packed [N / panel, K, panel] at compile time, each panel is one contiguous stream.

A batch-1 dense layer (a classifier) reads every weight once, so its speed is the speed of that
stream, mostly from memory: ResNet-50's 2048 x 1000 weights are 8 MB. Read in place, each
thread took a range of columns from every row (500 bytes of each 4000); packed in panels as
wide as the vector the loop nest computes (one SIMD vector for 1008 columns, four for 1024) it
ran in 0.44 ms instead of 0.81 with its weights out of cache (AMD EPYC Zen 4, one thread).
Columns short of a whole vector (1000 classes) are zero-padded to one (1008) and sliced off
after the product; at batch 8 the classifier is then register-tiled: 0.37 ms instead of 0.83.
"""

from __future__ import annotations

import numpy
from tvm import relax, te
from tvm.ir import GenericConst, Op

from torch_tvm_core.schedules.constant_folding import static_shape
from torch_tvm_core.schedules.matmul_rule import MATMUL_BLOCK_NAME, MIN_ROWS, column_vectors
from torch_tvm_core.schedules.rules import vector_chunk

_DEFAULT_LEGALIZE = Op.get("relax.matmul").get_attr("FLegalize")

# The most padding columns per real one: a narrow layer (3 outputs) would read 5x its weights.
MAX_PADDING = 0.125


def panel_width(columns: int, lanes: int) -> int | None:
    """Columns per panel: what the matmul rule's register tile covers, None if it tiles none."""
    vectors = column_vectors(columns, lanes)
    return None if vectors is None else vectors * lanes


def padded_columns(columns: int, width: int) -> int:
    """The columns rounded up to a multiple of `width` (a SIMD vector, a panel)."""
    return -(-columns // width) * width


def pack_panels(weights: numpy.ndarray, panel: int) -> numpy.ndarray:
    """[K, N] -> [ceil(N / panel), K, panel], the last panel's missing columns zero."""
    depth, columns = weights.shape
    padded = numpy.zeros((depth, padded_columns(columns, panel)), dtype=weights.dtype)
    padded[:, :columns] = weights
    return numpy.ascontiguousarray(padded.reshape(depth, -1, panel).transpose(1, 0, 2))


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


def first_columns(product: te.Tensor, columns: int) -> te.Tensor:
    """[..., N'] -> [..., N]: the product without its padding columns."""
    return te.compute(
        (*product.shape[:-1], columns), lambda *index: product[index], name="unpadded"
    )


def make_matmul_legalizer(lanes: int):
    """A LegalizeOps function for relax.matmul by constant float32 weights: packed in panels
    (the matmul rule's register tile over 4+ rows, the loop nest's vector for fewer), TVM's
    own legalization elsewhere."""

    def legalize(bb: relax.BlockBuilder, call: relax.Call) -> relax.Expr:
        data, weights = call.args
        panel = _panel_for(data, weights, call, lanes)
        if panel is None:
            return _DEFAULT_LEGALIZE(bb, call)
        packed = relax.const(pack_panels(weights.value.numpy(), panel))
        product = bb.call_te(matmul_packed, data, packed, primfunc_name_hint="matmul")
        columns = int(weights.value.shape[1])
        if columns % panel == 0:
            return product
        return bb.call_te(first_columns, bb.emit(product), columns, primfunc_name_hint="unpadded")

    return legalize


def _panel_for(data: relax.Expr, weights: relax.Expr, call: relax.Call, lanes: int) -> int | None:
    if not isinstance(weights, GenericConst) or len(weights.value.shape) != 2:
        return None
    if str(weights.value.dtype) != "float32" or str(call.ty.dtype) != "float32":
        return None
    shape = static_shape(data.ty)
    if shape is None or len(shape) < 2:
        return None
    columns = int(weights.value.shape[1])
    padded = padded_columns(columns, lanes)
    if padded - columns > columns * MAX_PADDING:
        return None
    if shape[-2] < MIN_ROWS:
        return vector_chunk(padded, lanes)
    return panel_width(padded, lanes)
