"""The CPU schedule of a blocked conv2d and the elementwise ops fused after it.

The output is computed one register tile at a time: `reg_n` output columns times one SIMD
vector of output channels stay in registers while the whole reduction (input channel chunks,
kernel rows and columns, input channels within a chunk) streams through them; the fused
epilogue (bias, residual add, ReLU, unblocking) then runs on that tile before it leaves the
registers. Rows and channel chunks are spread over the threads.
"""

from __future__ import annotations

from collections.abc import Callable

from tvm import s_tir, tirx
from tvm.target import Target

from torch_tvm_core.schedules.conv2d import CONV_BLOCK_NAME
from torch_tvm_core.schedules.cpu import simd_lanes, vector_registers

ChooseValue = Callable[[s_tir.Schedule, list[int]], object]


def default_choice(_: s_tir.Schedule, candidates: list[int]) -> int:
    """The untuned decision: the first (preferred) candidate."""
    return candidates[0]


def sampled_choice(sch: s_tir.Schedule, candidates: list[int]) -> object:
    """The tunable decision: a traced sample that MetaSchedule searches and records."""
    return sch.sample_categorical(candidates, [1.0 / len(candidates)] * len(candidates))


def find_conv_block(sch: s_tir.Schedule) -> s_tir.SBlockRV | None:
    for block in sch.get_child_blocks(sch.get_sblock("root")):
        if sch.get(block).name_hint.startswith(CONV_BLOCK_NAME):
            return block
    return None


def accumulator_budget(oc_tile_vectors: int, target: Target) -> int:
    """Vectors free for accumulators beside the weight vectors, one broadcast input and one
    spare register (with none spare, LLVM spills the tile: measured on AVX2)."""
    return vector_registers(target) - 2 - oc_tile_vectors


def chunk_tiles(oc_chunks: int, oc_block: int, target: Target) -> list[int]:
    """How many output-channel chunks share one pass over the input (default: one)."""
    vectors = max(1, oc_block // simd_lanes(target))
    return [
        c for c in (1, 2, 4)
        if oc_chunks % c == 0 and accumulator_budget(c * vectors, target) >= c * vectors
    ]


def tile_widths(out_width: int, tile_vectors: int, target: Target) -> list[int]:
    """Output-column tile widths that divide the row, widest first (the untuned default)."""
    budget = accumulator_budget(tile_vectors, target)
    widths = [
        w for w in range(out_width, 0, -1) if out_width % w == 0 and w * tile_vectors <= budget
    ]
    return widths[:4] or [1]


def tile_rows(out_height: int, tile_vectors: int, width: int, target: Target) -> list[int]:
    """Output rows per register tile: one by default; more where the columns leave room."""
    budget = accumulator_budget(tile_vectors, target)
    return [r for r in (1, 2, 3, 4, 7) if out_height % r == 0 and r * width * tile_vectors <= budget]


def _value(sch: s_tir.Schedule, choice: object) -> int:
    return choice if isinstance(choice, int) else int(sch.get(choice))


def schedule_conv(sch: s_tir.Schedule, target: Target, choose: ChooseValue) -> bool:
    """Schedule the blocked conv in `sch` with its producers and epilogue; False if none.

    Decisions, in order: output-channel chunks per tile, tile columns, tile rows (each
    bounded by the registers left by the earlier ones), and whether the input channels of a
    chunk are unrolled.
    """
    conv = find_conv_block(sch)
    if conv is None:
        return False
    _schedule_producers(sch, conv, target)
    n, occ, y, x, ocb, icc, ry, rx, icb = sch.get_loops(conv)
    oc_block = int(sch.get(ocb).extent)
    vectors = max(1, oc_block // simd_lanes(target))
    oc_tile = choose(sch, chunk_tiles(int(sch.get(occ).extent), oc_block, target))
    tile_vectors = _value(sch, oc_tile) * vectors
    reg_n = choose(sch, tile_widths(int(sch.get(x).extent), tile_vectors, target))
    rows = choose(sch, tile_rows(int(sch.get(y).extent), tile_vectors, _value(sch, reg_n), target))
    unroll_channels = _value(sch, choose(sch, [0, 1]))
    occ_outer, occ_inner = sch.split(occ, factors=[None, oc_tile])
    y_outer, y_inner = sch.split(y, factors=[None, rows])
    x_outer, x_inner = sch.split(x, factors=[None, reg_n])
    sch.reorder(n, occ_outer, y_outer, x_outer, icc, ry, rx, icb, occ_inner, y_inner, x_inner, ocb)
    sch.parallel(sch.fuse(n, occ_outer, y_outer))
    if unroll_channels:
        sch.unroll(icb)
    sch.unroll(occ_inner)
    sch.unroll(y_inner)
    sch.unroll(x_inner)
    if oc_block > 1:
        sch.vectorize(ocb)
    _fuse_epilogue(sch, conv, x_outer)
    sch.decompose_reduction(conv, icc)
    return True


def _schedule_producers(sch: s_tir.Schedule, conv: s_tir.SBlockRV, target: Target) -> None:
    """Input packing and padding: inline packing into padding, then run padding in parallel."""
    producers = [b for b in sch.get_producers(conv) if not _reads_only_constants(sch, b)]
    for block in producers:
        for inner_producer in sch.get_producers(block):
            sch.compute_inline(inner_producer)
        loops = sch.get_loops(block)
        sch.parallel(sch.fuse(*loops[:-2]) if len(loops) > 2 else loops[0])
        if int(sch.get(loops[-1]).extent) <= 4 * simd_lanes(target):
            sch.vectorize(loops[-1])


def _reads_only_constants(sch: s_tir.Schedule, block: s_tir.SBlockRV) -> bool:
    return not sch.get(block).reads


def _fuse_epilogue(sch: s_tir.Schedule, conv: s_tir.SBlockRV, tile_loop: tirx.For) -> None:
    """Collapse the elementwise consumers into one block computed per register tile."""
    consumers = sch.get_consumers(conv)
    if len(consumers) != 1:
        sch.cache_write(conv, 0, "global")
        consumers = sch.get_consumers(conv)
    # Only a straight chain can be inlined; whatever branches off stays a separate loop nest.
    chain = []
    while len(consumers) == 1:
        chain.append(consumers[0])
        consumers = sch.get_consumers(consumers[0])
    for block in chain[:-1]:
        sch.compute_inline(block)
    last = chain[-1]
    # Unit loops are kept so the number of loops, and so the trace, is the same for every tile.
    sch.reverse_compute_at(last, tile_loop, preserve_unit_loops=True)
    inner = sch.get_loops(last)[-1]
    if int(sch.get(inner).extent) <= 64:
        sch.vectorize(inner)
