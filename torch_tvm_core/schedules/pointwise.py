"""1x1 conv2d over the output's pixels in row-major order, for maps whose width no
good register tile divides.

The direct conv (conv2d.py) tiles columns and rows, so its register tile must divide the
output's width and height. With AVX2's 16 registers the widest tile of two vectors of output
channels is 6 pixels, and no tile of 2-6 columns divides a 7-wide map: ResNet's 7x7 1x1 convs
ran one vector of channels by 7 columns, 8 loads per 7 FMAs. An unpadded 1x1 conv is a
matrix product over the output's pixels (each reads one input pixel), so the pixels can be
tiled as one axis in row-major order, rounded up to a multiple of the tile (register_tiles.padded_rows); the
extra rows repeat the last pixel and no output reads them.
"""

from __future__ import annotations

from tvm import te, tirx
from tvm.target import Target

from torch_tvm_core.schedules.cpu import simd_lanes
from torch_tvm_core.schedules.register_tiles import default_tile, loads_per_fma, padded_rows, product_tile

PRODUCT_BLOCK = "conv2d_pointwise"
OUTPUT_BLOCK = "pointwise_output"
# How many times the direct tile's accumulators a weight-heavy conv's pixel tile must hold. 12
# against 8 (AVX2, 14x14 maps) made ResNeXt-50 1.06x faster; 14 against 12 (AVX-512, 12x12
# maps) ran chains of 1x1 convs level at one thread and 0.90-1.01x at two (AMD Zen 4).
MIN_ACCUMULATOR_GAIN = 1.5


def applies(
    data_shape: tuple[int, ...],
    kernel_shape: tuple[int, ...],
    strides: list[int],
    padding: list[int],
    dilation: list[int],
    groups: int,
    target: Target,
) -> bool:
    """Whether a blocked 1x1 conv goes over its pixels: no padding, one group, where
    the direct conv's register tile waits on loads and this one does not, or where its
    weights outweigh its input and this tile holds half as many accumulators again
    (MIN_ACCUMULATOR_GAIN).

    On AVX2 the 7x7 maps' convs ran 1.23-1.34x faster over their pixels. On 14x14 maps no
    direct tile of more than 8 accumulators divides the map (12 fit), and over 196 + 2 pixels
    6 x 2 vectors do: ResNeXt-50 1.06x and ResNet-50 1.03x at one thread, level at two. On
    28x28 and 56x56 maps, whose input outweighs their weights, reading the product back into
    the map costs what the wider tile gains (0.93-1.05x per layer; Zen 3, alternating rounds)."""
    batch, _, height, width, _ = data_shape
    oc_chunks, _, kernel_h, kernel_w, _, oc_block = kernel_shape
    # A 1x1 kernel reads one pixel whatever its dilation.
    if (kernel_h, kernel_w) != (1, 1) or any(padding) or groups != 1:
        return False
    weights_outweigh_input = oc_chunks * oc_block > batch * height * width
    height, width = output_size(height, width, strides)
    if oc_block != simd_lanes(target):
        return False
    rows, chunks = product_tile(padded_rows(height * width, oc_chunks, target), oc_chunks, target)
    direct_chunks, columns, direct_rows = default_tile(oc_chunks, oc_block, height, width, target)
    if loads_per_fma(direct_chunks, columns * direct_rows) >= 1 > loads_per_fma(chunks, rows):
        return True
    direct = direct_chunks * columns * direct_rows
    return weights_outweigh_input and rows * chunks >= MIN_ACCUMULATOR_GAIN * direct


def output_size(height: int, width: int, strides: list[int]) -> tuple[int, int]:
    """The output map of an unpadded 1x1 conv."""
    stride_h, stride_w = strides
    return (height - 1) // stride_h + 1, (width - 1) // stride_w + 1


def conv2d_pointwise(
    data: te.Tensor, kernel: te.Tensor, strides: list[int], pixels: int
) -> te.Tensor:
    """data [N, IC/ib, H, W, ib] * kernel [OC/ob, IC/ib, 1, 1, ib, ob] -> [N, OC/ob, OH, OW, ob],
    computed as `pixels` (>= OH * OW) rows of a matrix product, then read back into the map."""
    batch, ic_chunks, in_height, in_width, ic_block = (int(d) for d in data.shape)
    oc_chunks, oc_block = int(kernel.shape[0]), int(kernel.shape[5])
    stride_h, stride_w = strides
    height, width = output_size(in_height, in_width, strides)
    last = height * width - 1
    icc = te.reduce_axis((0, ic_chunks), name="icc")
    icb = te.reduce_axis((0, ic_block), name="icb")

    def product(n, occ, p, ocb):
        pixel = tirx.min(p, last)
        return te.sum(
            data[n, icc, pixel // width * stride_h, pixel % width * stride_w, icb] * kernel[occ, icc, 0, 0, icb, ocb],
            axis=[icc, icb],
        )

    rows = te.compute((batch, oc_chunks, max(pixels, last + 1), oc_block), product, name=PRODUCT_BLOCK)
    return te.compute(
        (batch, oc_chunks, height, width, oc_block),
        lambda n, occ, y, x, ocb: rows[n, occ, y * width + x, ocb],
        name=OUTPUT_BLOCK,
    )
