"""The CPU schedule of a blocked conv2d and the elementwise ops fused after it.

The output is computed one register tile at a time: output columns (and rows) times one or
more SIMD vectors of output channels stay in registers while the whole reduction (input channel chunks,
kernel rows and columns, input channels within a chunk) streams through them; the fused
epilogue (bias, residual add, ReLU, unblocking) then runs on that tile before it leaves the
registers. Rows and channel chunks are spread over the threads, rows outermost where the
input is larger than the weights.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from tvm import s_tir, tirx
from tvm.s_tir.schedule import ScheduleError
from tvm.target import Target

from torch_tvm_core.schedules.conv2d import CONV_BLOCK_NAME
from torch_tvm_core.schedules.cpu import simd_lanes
from torch_tvm_core.schedules.register_tiles import chunk_tiles, default_tile, tile_rows, tile_widths

ChooseValue = Callable[[s_tir.Schedule, list[int]], object]


def default_choice(_: s_tir.Schedule, candidates: list[int]) -> int:
    """The untuned decision: the first (preferred) candidate."""
    return candidates[0]


def find_conv_block(sch: s_tir.Schedule) -> s_tir.SBlockRV | None:
    for block in sch.get_child_blocks(sch.get_sblock("root")):
        if sch.get(block).name_hint.startswith(CONV_BLOCK_NAME):
            return block
    return None


MAX_UNROLLED_CHANNELS = 8


def channel_unrolls(ic_block: int) -> list[int]:
    """Input channels of a chunk unrolled together, the untuned choice first: up to 8, then
    the whole chunk, then none.

    Unrolled whole, the 16 channels of an AVX-512 chunk made LLVM hoist their broadcasts past
    the 32 registers (about 105 stack spill slots per conv kernel against 25-40 with 8, on
    znver5), and ResNet-50 ran 1.3x slower at one thread; 8 at a time measured level with 4
    and with none. AVX2's 8-channel chunks stay whole (5-10% faster than not unrolled).
    """
    return list(dict.fromkeys([min(ic_block, MAX_UNROLLED_CHANNELS), ic_block, 1]))


def _first(preferred: int, candidates: list[int]) -> list[int]:
    """The candidates with the untuned choice first, so that decision index 0 is the default."""
    return [preferred] + [c for c in candidates if c != preferred] if preferred in candidates else candidates


def _value(sch: s_tir.Schedule, choice: object) -> int:
    return choice if isinstance(choice, int) else int(sch.get(choice))


def schedule_conv(sch: s_tir.Schedule, target: Target, choose: ChooseValue) -> bool:
    """Schedule the blocked conv in `sch` with its producers and epilogue; False if none.

    Decisions, in order: output-channel chunks per tile, tile columns, tile rows (each
    bounded by the registers left by the earlier ones), and how many input channels of a
    chunk are unrolled together (channel_unrolls).
    """
    conv = find_conv_block(sch)
    if conv is None:
        return False
    _schedule_producers(sch, conv, target, rows_outermost=input_outweighs_weights(sch, conv))
    n, occ, y, x, ocb, icc, ry, rx, icb = sch.get_loops(conv)
    oc_block = int(sch.get(ocb).extent)
    vectors = max(1, oc_block // simd_lanes(target))
    oc_chunks, out_height, out_width = (int(sch.get(loop).extent) for loop in (occ, y, x))
    chunks, width, height = default_tile(oc_chunks, oc_block, out_height, out_width, target)
    oc_tile = choose(sch, _first(chunks, chunk_tiles(oc_chunks, oc_block, target)))
    tile_vectors = _value(sch, oc_tile) * vectors
    reg_n = choose(sch, _first(width, tile_widths(out_width, tile_vectors, target)))
    rows = choose(
        sch, _first(height, tile_rows(out_height, tile_vectors, _value(sch, reg_n), target))
    )
    unrolled = _value(sch, choose(sch, channel_unrolls(int(sch.get(icb).extent))))
    occ_outer, occ_inner = sch.split(occ, factors=[None, oc_tile])
    y_outer, y_inner = sch.split(y, factors=[None, rows])
    x_outer, x_inner = sch.split(x, factors=[None, reg_n])
    tile_loop, reduction = x_outer, icc
    blocks = reduction_blocks(int(sch.get(icc).extent), oc_chunks // _value(sch, oc_tile), target)
    register_tile = (icb, occ_inner, y_inner, x_inner, ocb)
    if input_outweighs_weights(sch, conv):
        # Threads take contiguous ranges of the parallel loop: with rows outermost each reads
        # its own part of the input (and every weight), with channel chunks outermost its own
        # weights (and all the input). Whichever of the two is larger is better split.
        sch.reorder(n, y_outer, occ_outer, x_outer, icc, ry, rx, *register_tile)
        sch.parallel(sch.fuse(n, y_outer, occ_outer))
    elif blocks == 1:
        sch.reorder(n, occ_outer, y_outer, x_outer, icc, ry, rx, *register_tile)
        sch.parallel(sch.fuse(n, occ_outer, y_outer))
    else:
        icc_outer, icc_inner = sch.split(icc, factors=[blocks, None])
        sch.reorder(n, occ_outer, icc_outer, y_outer, x_outer, icc_inner, ry, rx, *register_tile)
        tile_loop, reduction = sch.fuse(n, occ_outer), icc_outer
        sch.parallel(tile_loop)
    if unrolled >= int(sch.get(icb).extent):
        sch.unroll(icb)
    elif unrolled > 1:
        sch.unroll(sch.split(icb, factors=[None, unrolled])[1])
    sch.unroll(occ_inner)
    sch.unroll(y_inner)
    sch.unroll(x_inner)
    if oc_block > 1:
        sch.vectorize(ocb)
    fuse_epilogue(sch, conv, tile_loop)
    sch.decompose_reduction(conv, reduction)
    return True


# Input-channel chunks per reduction block: 8 (128 channels on AVX-512, 64 on AVX2) measured
# 1.004x and 1.003x faster than 4 and 16 on ResNeXt-50 (Intel Xeon, one thread).
REDUCTION_BLOCK_CHUNKS = 8


def reduction_blocks(ic_chunks: int, oc_tiles: int, target: Target) -> int:
    """Input-channel blocks of a conv whose weights outweigh its input (1x1 and strided convs
    on 14x14 and 7x7 maps): each thread's output channels take one block of input channels
    over the whole map before the next, so the block's weights stay in L1 instead of
    streaming from L2 once per register tile. 1 (no blocks) where the blocks would be fewer
    than 2, or the output-channel tiles fewer than the threads, which then split only those."""
    block = max(d for d in range(1, REDUCTION_BLOCK_CHUNKS + 1) if ic_chunks % d == 0)
    if ic_chunks // block < 2 or oc_tiles < int(target.attrs.get("num-cores", 1)):
        return 1
    return ic_chunks // block


def input_outweighs_weights(sch: s_tir.Schedule, conv: s_tir.SBlockRV) -> bool:
    data, kernel = (region.source for region in sch.get(conv).reads[:2])
    return math.prod(int(d) for d in data.shape) > math.prod(int(d) for d in kernel.shape)


def _schedule_producers(
    sch: s_tir.Schedule, conv: s_tir.SBlockRV, target: Target, rows_outermost: bool
) -> None:
    """Input packing and padding: inline packing into padding, then run padding in parallel.

    rows_outermost: the conv's threads take ranges of rows, so the padding's take the same
    rows of every channel chunk, and each core reads back what it wrote. Split by chunks, as
    the blocked layout lies, every thread read half its rows from the other core's cache:
    ResNeXt-50's grouped 3x3 convs, padded that way, scaled 1.26x from one thread to two
    (AMD Zen 4).
    """
    producers = [b for b in sch.get_producers(conv) if not _reads_only_constants(sch, b)]
    for block in producers:
        for inner_producer in sch.get_producers(block):
            sch.compute_inline(inner_producer)
        loops = sch.get_loops(block)
        if rows_outermost and len(loops) == 5:
            batch, chunk, row, column, lane = loops
            sch.reorder(batch, row, chunk, column, lane)
            loops = [batch, row, chunk, column, lane]
        sch.parallel(sch.fuse(*loops[:-2]) if len(loops) > 2 else loops[0])
        if int(sch.get(loops[-1]).extent) <= 4 * simd_lanes(target):
            sch.vectorize(loops[-1])


def _reads_only_constants(sch: s_tir.Schedule, block: s_tir.SBlockRV) -> bool:
    return not sch.get(block).reads


def fuse_epilogue(sch: s_tir.Schedule, producer: s_tir.SBlockRV, tile_loop: tirx.For) -> None:
    """Collapse the elementwise consumers of `producer` into one block computed per register
    tile (under `tile_loop`)."""
    if len(sch.get_consumers(producer)) != 1:
        sch.cache_write(producer, 0, "global")
    last = collapse_epilogue(sch, producer)
    # Unit loops are kept so the number of loops, and so the trace, is the same for every tile.
    sch.reverse_compute_at(last, tile_loop, preserve_unit_loops=True)
    inner = sch.get_loops(last)[-1]
    if int(sch.get(inner).extent) <= 64:
        sch.vectorize(inner)


def collapse_epilogue(sch: s_tir.Schedule, producer: s_tir.SBlockRV) -> s_tir.SBlockRV:
    """Inline the straight chain of elementwise consumers after `producer` into its last
    block, and return that block (`producer` itself where nothing follows it)."""
    consumers = sch.get_consumers(producer)
    if not consumers:
        return producer
    _inline_after(sch, consumers[0])
    # Only a straight chain can be inlined; whatever branches off stays a separate loop nest.
    chain = []
    while len(consumers) == 1:
        chain.append(consumers[0])
        consumers = sch.get_consumers(consumers[0])
    for block in chain[:-1]:
        sch.compute_inline(block)
    return chain[-1]


def _inline_after(sch: s_tir.Schedule, first: s_tir.SBlockRV) -> None:
    """Inline the elementwise blocks between `first` and the kernel's output, so that the
    epilogue is a straight chain even where a value is read twice: SiLU's x * sigmoid(x)
    otherwise left its sigmoid and product as loop nests over the whole output, run on one
    thread without vectors."""
    blocks = sch.get_child_blocks(sch.get_sblock("root"))
    names = [sch.get(block).name_hint for block in blocks]
    for block in blocks[names.index(sch.get(first).name_hint) + 1 :]:
        if sch.get_consumers(block):
            try:
                sch.compute_inline(block)
            except ScheduleError:
                continue
