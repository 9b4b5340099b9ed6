"""The CPU schedule of a depthwise conv2d (depthwise.py) and the elementwise ops after it.

One thread takes whole channel planes: it pads the plane into a buffer of its own, then
computes each output row a vector of columns at a time, the KH*KW kernel taps unrolled
around it, and applies the fused epilogue (bias, ReLU6) to that piece of row while it is
still in registers.
"""

from __future__ import annotations

from tvm import s_tir
from tvm.target import Target

from torch_tvm_core.schedules.conv_rule import fuse_epilogue
from torch_tvm_core.schedules.cpu import simd_lanes
from torch_tvm_core.schedules.depthwise import DEPTHWISE_BLOCK, PAD_BLOCK

# Columns per vectorized piece of row, in SIMD vectors. One: each piece's KH*KW taps then
# stream through a single accumulator, and the input rows stay in L1. Against pieces of 2
# and 4 vectors, MobileNetV2's depthwise convs ran 1.0-1.7x faster at 1 and 2 threads
# (AMD EPYC Zen 5, AVX-512), never slower; with AVX2 code on the same CPU they took 1.11 ms in
# all against 1.28 and 1.42 ms.
ROW_VECTORS = 1


def find_block(sch: s_tir.Schedule, name: str) -> s_tir.SBlockRV | None:
    for block in sch.get_child_blocks(sch.get_sblock("root")):
        if sch.get(block).name_hint.startswith(name):
            return block
    return None


def row_piece(width: int, lanes: int) -> int:
    """Output columns computed together: the whole row if it fits ROW_VECTORS vectors, else
    the widest piece that divides it."""
    most = ROW_VECTORS * lanes
    return max(w for w in range(1, min(width, most) + 1) if width % w == 0)


def schedule_depthwise(sch: s_tir.Schedule, target: Target) -> bool:
    """Schedule the depthwise conv, its padding and its epilogue; False if `sch` has none."""
    block = find_block(sch, DEPTHWISE_BLOCK)
    if block is None:
        return False
    n, c, y, x, ry, rx = sch.get_loops(block)
    piece = row_piece(int(sch.get(x).extent), simd_lanes(target))
    x_outer, x_inner = sch.split(x, factors=[None, piece])
    sch.reorder(n, c, y, x_outer, ry, rx, x_inner)
    plane = sch.fuse(n, c)
    sch.parallel(plane)
    sch.unroll(ry)
    sch.unroll(rx)
    sch.vectorize(x_inner)
    pad = find_block(sch, PAD_BLOCK)
    if pad is not None:
        sch.compute_at(pad, plane)
        *_, pad_columns = sch.get_loops(pad)
        sch.vectorize(pad_columns)
    init = sch.decompose_reduction(block, ry)
    sch.vectorize(sch.get_loops(init)[-1])
    fuse_epilogue(sch, block, x_outer)
    return True
