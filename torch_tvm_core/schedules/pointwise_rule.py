"""The CPU schedule of a 1x1 conv over its pixels (pointwise.py) and the elementwise ops after it.

The matrix product gets a register tile of a few pixels times two SIMD vectors of output
channels, the input channels streaming through, as the direct conv's; the epilogue (bias,
residual add, ReLU) then reads the product back pixel by pixel into the map, in parallel rows,
vectorized over a chunk of channels.
"""

from __future__ import annotations

from tvm import s_tir
from tvm.target import Target

from torch_tvm_core.schedules.conv_rule import MAX_UNROLLED_CHANNELS, collapse_epilogue, input_outweighs_weights
from torch_tvm_core.schedules.depthwise_rule import find_block
from torch_tvm_core.schedules.pointwise import OUTPUT_BLOCK, PRODUCT_BLOCK
from torch_tvm_core.schedules.register_tiles import product_tile


def schedule_pointwise(sch: s_tir.Schedule, target: Target) -> bool:
    """Schedule the pointwise product and its epilogue; False if `sch` has none."""
    product = find_block(sch, PRODUCT_BLOCK)
    if product is None:
        return False
    _schedule_product(sch, product, target)
    output = find_block(sch, OUTPUT_BLOCK)
    last = collapse_epilogue(sch, output)
    if not last.same_as(output):
        sch.compute_inline(output)
    *rows, channels = sch.get_loops(last)
    sch.parallel(sch.fuse(*rows[:-1]))
    sch.vectorize(channels)
    return True


def _schedule_product(sch: s_tir.Schedule, product: s_tir.SBlockRV, target: Target) -> None:
    n, occ, p, ocb, icc, icb = sch.get_loops(product)
    rows, chunks = product_tile(int(sch.get(p).extent), int(sch.get(occ).extent), target)
    p_outer, p_inner = sch.split(p, factors=[None, rows])
    occ_outer, occ_inner = sch.split(occ, factors=[None, chunks])
    icb_outer, icb_inner = sch.split(icb, factors=[None, min(MAX_UNROLLED_CHANNELS, int(sch.get(icb).extent))])
    # As in the direct conv: each thread takes its own part of whichever is larger.
    outer = (p_outer, occ_outer) if input_outweighs_weights(sch, product) else (occ_outer, p_outer)
    sch.reorder(n, *outer, icc, icb_outer, icb_inner, p_inner, occ_inner, ocb)
    sch.parallel(sch.fuse(n, *outer))
    sch.unroll(icb_inner)
    sch.unroll(p_inner)
    sch.unroll(occ_inner)
    sch.vectorize(ocb)
    sch.decompose_reduction(product, icc)
