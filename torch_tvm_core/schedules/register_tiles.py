"""Register tiles that fit the target's vector registers: the direct conv's (output-channel
chunks x columns x rows that divide the output map; conv_rule.py schedules with them) and a
matrix product's over rows (Winograd tiles, pixels of a 1x1 conv: rows x output-channel
chunks, the row count rounded up so that the tile divides it)."""

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


# Rows added to round a matrix product's row count up to a multiple of its register tile, at
# most this fraction of the real ones. ResNet's 28x28 and 14x14 maps have 49 Winograd tiles,
# which no AVX2 tile of 2 to 6 rows divides: one row per tile (2 accumulators) made those
# convs 2.0-2.5x slower than 5 rows over 50 tiles (Zen 3, one thread, alternating rounds).
# Rounded up by more (6 rows over 54 tiles) they ran 4-15% slower than 5 over 50.
MAX_PADDED_ROWS = 0.03


def product_tile(rows: int, oc_chunks: int, target: Target) -> tuple[int, int]:
    """(rows, output-channel chunks) per register tile of a matrix product over `rows`: two
    chunks where they divide, and the most rows that divide `rows` and fit the accumulators."""
    chunks, budget = _product_budget(oc_chunks, target)
    return max(r for r in range(1, budget + 1) if rows % r == 0), chunks


def padded_rows(rows: int, oc_chunks: int, target: Target) -> int:
    """The row count rounded up for the widest register tile it then divides, adding at most
    MAX_PADDED_ROWS of work; product_tile of the result is that tile."""
    _, budget = _product_budget(oc_chunks, target)
    rounded = [-(-rows // r) * r for r in range(1, budget + 1)]
    return max(
        (count for count in rounded if count - rows <= MAX_PADDED_ROWS * rows),
        key=lambda count: (product_tile(count, oc_chunks, target)[0], -count),
    )


def _product_budget(oc_chunks: int, target: Target) -> tuple[int, int]:
    """(output-channel chunks per register tile, rows the accumulators then fit)."""
    chunks = 2 if oc_chunks % 2 == 0 else 1
    return chunks, accumulator_budget(chunks, target) // chunks
