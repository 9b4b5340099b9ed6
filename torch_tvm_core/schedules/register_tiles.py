"""The direct conv's register tiles: output-channel chunks x columns x rows that divide the
output map and fit the target's vector registers (conv_rule.py schedules with them; the conv
legalizer compares other computations' tiles with them)."""

from __future__ import annotations

from tvm.target import Target

from torch_tvm_core.schedules.cpu import accumulator_budget, simd_lanes


def chunk_tiles(oc_chunks: int, oc_block: int, target: Target) -> list[int]:
    """How many output-channel chunks share one pass over the input."""
    vectors = max(1, oc_block // simd_lanes(target))
    return [
        c for c in (1, 2, 4)
        if oc_chunks % c == 0 and accumulator_budget(c * vectors, target) >= c * vectors
    ]


def tile_widths(out_width: int, tile_vectors: int, target: Target) -> list[int]:
    """Output-column tile widths that divide the row, widest first."""
    budget = accumulator_budget(tile_vectors, target)
    widths = [
        w for w in range(out_width, 0, -1) if out_width % w == 0 and w * tile_vectors <= budget
    ]
    return widths[:4] or [1]


def tile_rows(out_height: int, tile_vectors: int, width: int, target: Target) -> list[int]:
    """Output rows per register tile that fit the registers left by the columns."""
    budget = accumulator_budget(tile_vectors, target)
    return [r for r in (1, 2, 3, 4, 7) if out_height % r == 0 and r * width * tile_vectors <= budget]


def default_tile(
    oc_chunks: int, oc_block: int, out_height: int, out_width: int, target: Target
) -> tuple[int, int, int]:
    """The untuned register tile (chunks, columns, rows): the most accumulators, then two SIMD
    vectors of output channels, then the widest rows.

    Measured per ResNet conv against the single-vector tiles: 2 vectors x 7 columns is 7-35%
    faster on AVX-512 and 2 x 4 (2 x 2 x 2 rows on 14-wide maps) 5-12% faster on AVX2.
    """
    vectors = max(1, oc_block // simd_lanes(target))
    tiles = [
        (c, w, r)
        for c in chunk_tiles(oc_chunks, oc_block, target)
        for w in tile_widths(out_width, c * vectors, target)
        for r in tile_rows(out_height, c * vectors, w, target)
    ]
    return max(tiles, key=lambda t: (t[0] * vectors * t[1] * t[2], t[0] * vectors == 2, t[1]))


def loads_per_fma(vectors: int, pixels: int) -> float:
    """Loads per FMA of a register tile of `vectors` output-channel vectors by `pixels` output
    pixels: each input channel loads every weight vector once and broadcasts every pixel once.
    At one or more the tile waits on loads, not FMAs (x86 cores issue two of each per cycle)."""
    return (vectors + pixels) / (vectors * pixels)
