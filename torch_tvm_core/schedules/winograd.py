"""3x3 stride-1 conv2d by Winograd's minimal filtering, in the channel-blocked layout.

F(m x m, 3 x 3) computes an m x m output tile from an (m+2) x (m+2) input tile with
(m+2)^2 multiplications per channel pair instead of 9 m^2: 2.25x fewer for m = 2, 4x for
m = 4 (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", 2016). Three
stages, one kernel:

1. input transform: each input tile d becomes B^T d B, (m+2)^2 values per channel;
2. (m+2)^2 independent matrix products over the input channels, [tiles x IC] x [IC x OC],
   with the weights transformed once at compile time (G g G^T, computed here in numpy);
3. output transform: A^T M A gives the m x m outputs, followed by the fused epilogue.

winograd_rule.py schedules them.

The transforms are written out as sums of the tile's elements with the matrices' constant
coefficients (most are 0 or +-1), so no multiplication by zero is ever executed.
Measured per ResNet layer (Intel Xeon, AVX-512, one thread) against the direct blocked conv:
m = 4 is 2.0x faster on 56x56x64 and 2.6x on 28x28x128; on 14x14 and 7x7 maps, whose sides
4 does not divide, m = 2 is 1.9x and 1.2x faster. Errors stay within 6e-6 of the output's
magnitude.
"""

from __future__ import annotations

import functools

import numpy as np
from tvm import te, tirx, topi
from tvm.topi.nn.winograd_util import _cook_toom_convolution, _interpolation_points


INPUT_ROWS_BLOCK = "winograd_input_rows"
INPUT_BLOCK = "winograd_input"
PRODUCT_BLOCK = "winograd_product"
OUTPUT_ROWS_BLOCK = "winograd_output_rows"
OUTPUT_BLOCK = "winograd_output"

KERNEL_SIZE = 3
# Below this many input channels the matrix products are too short to pay for the
# transforms; ResNet's narrowest 3x3 convs have 64.
MIN_INPUT_CHANNELS = 32
# Each transformed weight ((m+2)^2 per channel pair, 1.8-4x the direct conv's) is used once
# per tile: with fewer tiles than this the products stream weights from memory. On 7x7 maps
# at batch 1 (16 tiles) ResNet-50 ran 1.5-3% faster with the direct conv there.
MIN_TILES = 32


def output_tile(out_height: int, out_width: int) -> int:
    """m of F(m x m, 3 x 3): 4 where it divides the output map, else 2 (a partial tile
    of 4 wastes more work than the larger tile saves)."""
    return 4 if out_height % 4 == 0 and out_width % 4 == 0 else 2


def tile_count(batch: int, out_height: int, out_width: int) -> int:
    tile = output_tile(out_height, out_width)
    return batch * -(-out_height // tile) * -(-out_width // tile)


def applies(
    data_shape: tuple[int, ...],
    kernel_shape: tuple[int, ...],
    strides: list[int],
    padding: list[int],
    dilation: list[int],
    groups: int,
) -> bool:
    """Whether a blocked conv of NCHW[b]c data and an OIHW[i]i[o]o kernel of these shapes
    goes by Winograd."""
    batch, _, height, width, _ = data_shape
    _, ic_chunks, kernel_h, kernel_w, ic_block, _ = kernel_shape
    return (
        (kernel_h, kernel_w) == (KERNEL_SIZE, KERNEL_SIZE)
        and list(strides) == [1, 1]
        and list(dilation) == [1, 1]
        and list(padding) == [1, 1, 1, 1]
        and groups == 1
        and ic_chunks * ic_block >= MIN_INPUT_CHANNELS
        # Padding 1 keeps the output map the size of the input map.
        and tile_count(batch, height, width) >= MIN_TILES
    )


@functools.lru_cache(maxsize=None)
def transform_matrices(tile: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A (alpha x m), B (alpha x alpha), G (alpha x 3) with alpha = m + 2, as float64."""
    alpha = tile + KERNEL_SIZE - 1
    a, b, g = _cook_toom_convolution(_interpolation_points(alpha), tile, KERNEL_SIZE)
    return a.astype("float64"), b.astype("float64"), g.astype("float64")


def transform_kernel(kernel: np.ndarray, tile: int) -> np.ndarray:
    """[OC/ob, IC/ib, 3, 3, ib, ob] -> [alpha, alpha, OC/ob, IC/ib, ib, ob]: G g G^T per
    channel pair, computed in float64 and rounded once."""
    _, _, g = transform_matrices(tile)
    return np.einsum("er,abrsio,ns->enabio", g, kernel.astype("float64"), g).astype(kernel.dtype)


def conv2d_winograd(
    data: te.Tensor, kernel: te.Tensor, tile: int, tiles_per_image: int | None = None
) -> te.Tensor:
    """data [N, IC/ib, H, W, ib] * transformed kernel [alpha, alpha, OC/ob, IC/ib, ib, ob]
    -> [N, OC/ob, H, W, ob], 3x3 with stride 1 and padding 1.

    Each transform is applied as two one-sided products (rows, then columns), so every
    expression sums at most alpha terms. tiles_per_image, at least the image's tile count,
    rounds the matrix products' rows up so that the register tile divides them; the extra
    rows repeat the last tile and no output reads them.
    """
    a, b, _ = transform_matrices(tile)
    alpha = tile + KERNEL_SIZE - 1
    batch, ic_chunks, height, width, ic_block = (int(d) for d in data.shape)
    oc_chunks, oc_block = int(kernel.shape[2]), int(kernel.shape[5])
    tiles_h, tiles_w = -(-height // tile), -(-width // tile)
    padded = topi.nn.pad(
        data,
        [0, 0, 1, 1, 0],
        [0, 0, tiles_h * tile + 1 - height, tiles_w * tile + 1 - width, 0],
        name="winograd_pad",
    )
    last_tile = tiles_h * tiles_w - 1
    tiles = (batch, max(tiles_per_image or 0, last_tile + 1))

    def input_rows(eps, col, n, p, icc, icb):
        p = tirx.min(p, last_tile)
        row = p // tiles_w * tile
        return _by_case(
            eps,
            alpha,
            lambda e: _weighted_sum(
                (b[r][e], padded[n, icc, row + r, p % tiles_w * tile + col, icb])
                for r in range(alpha)
            ),
        )

    rows = te.compute((alpha, alpha, *tiles, ic_chunks, ic_block), input_rows, name=INPUT_ROWS_BLOCK)
    transformed = te.compute(
        (alpha, alpha, *tiles, ic_chunks, ic_block),
        lambda eps, nu, n, p, icc, icb: _by_case(
            nu,
            alpha,
            lambda v: _weighted_sum((b[s][v], rows[eps, s, n, p, icc, icb]) for s in range(alpha)),
        ),
        name=INPUT_BLOCK,
    )
    icc = te.reduce_axis((0, ic_chunks), name="icc")
    icb = te.reduce_axis((0, ic_block), name="icb")
    product = te.compute(
        (alpha, alpha, *tiles, oc_chunks, oc_block),
        lambda eps, nu, n, p, occ, ocb: te.sum(
            transformed[eps, nu, n, p, icc, icb] * kernel[eps, nu, occ, icc, icb, ocb],
            axis=[icc, icb],
        ),
        name=PRODUCT_BLOCK,
    )
    output_rows = te.compute(
        (tile, alpha, *tiles, oc_chunks, oc_block),
        lambda i, nu, n, p, occ, ocb: _by_case(
            i,
            tile,
            lambda row: _weighted_sum(
                (a[e][row], product[e, nu, n, p, occ, ocb]) for e in range(alpha)
            ),
        ),
        name=OUTPUT_ROWS_BLOCK,
    )

    def output(n, occ, y, x, ocb):
        p = y // tile * tiles_w + x // tile
        return _by_case(
            x % tile,
            tile,
            lambda col: _weighted_sum(
                (a[v][col], output_rows[y % tile, v, n, p, occ, ocb]) for v in range(alpha)
            ),
        )

    return te.compute((batch, oc_chunks, height, width, oc_block), output, name=OUTPUT_BLOCK)


def _weighted_sum(terms) -> tirx.PrimExpr:
    total = None
    for coefficient, value in terms:
        if coefficient == 0:
            continue
        if coefficient == 1:
            term = value
        elif coefficient == -1:
            term = -value
        else:
            term = tirx.const(float(coefficient), "float32") * value
        total = term if total is None else total + term
    return total if total is not None else tirx.const(0.0, "float32")


def _by_case(index: tirx.PrimExpr, extent: int, case) -> tirx.PrimExpr:
    """The expression `case(i)` for the runtime value of `index`: a chain of selects that an
    unrolled loop (a constant index) simplifies to the one case."""
    chosen = case(0)
    for i in range(1, extent):
        chosen = tirx.Select(index == i, case(i), chosen)
    return chosen
