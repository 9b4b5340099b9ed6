"""The CPU schedule of a Winograd conv2d (winograd.py) and the elementwise ops after it.

The input transform runs tile by tile in parallel, vectorized over a chunk of input channels;
the matrix products get a register tile like the direct conv's (a few Winograd tiles times two
SIMD vectors of output channels, the input channels streaming through); the output transform
runs per m x m output tile with the fused epilogue (bias, residual add, ReLU) on that tile,
its threads taking rows of tiles.
"""

from __future__ import annotations

from tvm import s_tir
from tvm.target import Target

from torch_tvm_core.schedules.conv_rule import fuse_epilogue
from torch_tvm_core.schedules.cpu import simd_lanes
from torch_tvm_core.schedules.winograd import (
    INPUT_BLOCK,
    INPUT_ROWS_BLOCK,
    KERNEL_SIZE,
    OUTPUT_BLOCK,
    OUTPUT_ROWS_BLOCK,
    PRODUCT_BLOCK,
)
from torch_tvm_core.schedules.register_tiles import product_tile

STAGES = (INPUT_ROWS_BLOCK, INPUT_BLOCK, PRODUCT_BLOCK, OUTPUT_ROWS_BLOCK, OUTPUT_BLOCK)


def find_winograd_blocks(sch: s_tir.Schedule) -> dict[str, s_tir.SBlockRV] | None:
    blocks = {}
    for block in sch.get_child_blocks(sch.get_sblock("root")):
        name = sch.get(block).name_hint
        # Longest first: winograd_input is a prefix of winograd_input_rows.
        stage = next((s for s in sorted(STAGES, key=len, reverse=True) if name.startswith(s)), None)
        if stage is not None:
            blocks[stage] = block
    return blocks if len(blocks) == len(STAGES) else None


def schedule_winograd(sch: s_tir.Schedule, target: Target) -> bool:
    """Schedule the three Winograd stages and the epilogue; False if `sch` has none."""
    blocks = find_winograd_blocks(sch)
    if blocks is None:
        return False
    _schedule_input_transform(sch, blocks[INPUT_ROWS_BLOCK], blocks[INPUT_BLOCK])
    tile = _tile_of(sch, blocks[PRODUCT_BLOCK])
    _schedule_products(sch, blocks[PRODUCT_BLOCK], target)
    _schedule_output_transform(sch, blocks[OUTPUT_ROWS_BLOCK], blocks[OUTPUT_BLOCK], tile)
    return True


def _schedule_input_transform(
    sch: s_tir.Schedule, rows: s_tir.SBlockRV, block: s_tir.SBlockRV
) -> None:
    """Per tile and input-channel chunk: the row transform into a small buffer, then the
    column transform out of it."""
    for producer in sch.get_producers(rows):
        sch.compute_inline(producer)
    eps, nu, n, p, icc, icb = sch.get_loops(block)
    sch.reorder(n, p, icc, eps, nu, icb)
    sch.parallel(sch.fuse(n, p))
    sch.compute_at(rows, icc)
    _unroll_and_vectorize(sch, rows)
    _unroll_and_vectorize(sch, block)


def _unroll_and_vectorize(sch: s_tir.Schedule, block: s_tir.SBlockRV) -> None:
    """The block's two transform axes unrolled, its channel axis vectorized."""
    *_, first, second, channels = sch.get_loops(block)
    sch.unroll(first)
    sch.unroll(second)
    sch.vectorize(channels)


def _schedule_products(sch: s_tir.Schedule, block: s_tir.SBlockRV, target: Target) -> None:
    """Like the direct conv's register tile: a few tiles x two vectors of output channels
    accumulate in registers while the input channels stream through; each thread keeps one
    transformed weight panel in cache for every tile."""
    eps, nu, n, p, occ, ocb, icc, icb = sch.get_loops(block)
    rows, chunks = product_tile(int(sch.get(p).extent), int(sch.get(occ).extent), target)
    p_outer, p_inner = sch.split(p, factors=[None, rows])
    occ_outer, occ_inner = sch.split(occ, factors=[None, chunks])
    icb_outer, icb_inner = sch.split(icb, factors=[None, min(8, int(sch.get(icb).extent))])
    sch.reorder(eps, nu, n, occ_outer, p_outer, icc, icb_outer, icb_inner, p_inner, occ_inner, ocb)
    sch.parallel(sch.fuse(eps, nu, n, occ_outer))
    sch.unroll(icb_inner)
    sch.unroll(p_inner)
    sch.unroll(occ_inner)
    if int(sch.get(ocb).extent) <= 4 * simd_lanes(target):
        sch.vectorize(ocb)
    sch.decompose_reduction(block, icc)


def _schedule_output_transform(
    sch: s_tir.Schedule, rows: s_tir.SBlockRV, block: s_tir.SBlockRV, tile: int
) -> None:
    """Per m x m output tile: the row transform into a small buffer, the column transform
    out of it, then the epilogue.

    Rows of tiles are outermost, so each thread writes (and reads the residual of) its own
    rows of the output in all channels, the part the next conv's input transform or
    input-split conv reads on that thread. Split by channel chunks first, half of every
    next input came from the other core's cache: ResNet-18 ran 1.065x and ResNet-50 1.032x
    faster at two threads with rows outermost (Intel Xeon, paired), 1.018x and 1.004x at one.
    """
    n, occ, y, x, ocb = sch.get_loops(block)
    y_outer, y_inner = sch.split(y, factors=[None, tile])
    x_outer, x_inner = sch.split(x, factors=[None, tile])
    sch.reorder(n, y_outer, occ, x_outer, y_inner, x_inner, ocb)
    sch.parallel(sch.fuse(n, y_outer, occ))
    sch.compute_at(rows, x_outer)
    _unroll_and_vectorize(sch, rows)
    _unroll_and_vectorize(sch, block)
    fuse_epilogue(sch, block, x_outer)


def _tile_of(sch: s_tir.Schedule, product: s_tir.SBlockRV) -> int:
    """m, read back from the products' shape (alpha = m + 2)."""
    alpha = int(sch.get(product).writes[0].source.shape[0])
    return alpha - KERNEL_SIZE + 1
