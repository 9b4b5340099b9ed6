"""3x3 stride-1 convs go by Winograd where it pays, and compute what eager PyTorch computes."""

from __future__ import annotations

import numpy
import pytest
import torch
import torchvision
import tvm
from torch import nn

from torch_tvm_core.schedules import winograd
from torch_tvm_core.schedules.register_tiles import MAX_PADDED_ROWS, padded_rows, product_tile
from tests.support.kernels import kernel_names


def goes_by_winograd(model: nn.Module, inputs: tuple) -> bool:
    return any("winograd" in name for name in kernel_names(model, inputs))


@pytest.mark.parametrize("tile", [2, 4])
def test_given_a_transformed_kernel_when_one_tile_is_computed_in_numpy_then_it_is_the_correlation(tile):
    a, b, _ = winograd.transform_matrices(tile)
    rng = numpy.random.default_rng(0)
    image = rng.standard_normal((tile + 2, tile + 2))
    weights = rng.standard_normal((3, 3))
    blocked = weights.reshape(1, 1, 3, 3, 1, 1)
    transformed = winograd.transform_kernel(blocked, tile)[:, :, 0, 0, 0, 0]

    result = a.T @ (transformed * (b.T @ image @ b)) @ a

    expected = numpy.array(
        [[(image[i:i + 3, j:j + 3] * weights).sum() for j in range(tile)] for i in range(tile)]
    )
    numpy.testing.assert_allclose(result, expected, atol=1e-9)


# Code for AVX2 runs on every machine the project runs on; its 16 registers fit 5 tiles of 2
# output-channel vectors, which do not divide ResNet's 49 tiles.
AVX2 = {"kind": "llvm", "mcpu": "znver3", "num-cores": 2}
AVX512 = {"kind": "llvm", "mcpu": "znver5", "num-cores": 2}


def test_given_49_tiles_on_avx2_when_the_products_are_tiled_then_50_rows_go_5_to_a_register_tile():
    target = tvm.target.Target(AVX2)

    padded = padded_rows(49, 16, target)

    assert (padded, product_tile(padded, 16, target)) == (50, (5, 2))


def test_given_49_tiles_on_avx512_when_the_products_are_tiled_then_none_are_added_for_7_row_tiles():
    target = tvm.target.Target(AVX512)

    padded = padded_rows(49, 16, target)

    assert (padded, product_tile(padded, 16, target)) == (49, (7, 2))


@pytest.mark.parametrize("target", [AVX2, AVX512], ids=["avx2", "avx512"])
def test_given_any_tile_count_when_padded_then_at_most_3_percent_is_added_for_no_narrower_a_register_tile(target):
    target = tvm.target.Target(target)
    for tiles in range(1, 400):
        padded = padded_rows(tiles, 16, target)

        assert tiles <= padded <= tiles * (1 + MAX_PADDED_ROWS)
        assert product_tile(padded, 16, target)[0] >= product_tile(tiles, 16, target)[0]


@pytest.mark.parametrize(("batch", "size"), [(1, 13), (1, 28), (2, 14)])
def test_given_a_map_whose_tiles_are_padded_when_compiled_for_avx2_then_it_matches_eager(matches_eager, batch, size):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(32, 32, 3, padding=1), nn.ReLU())

    matches_eager(model, (torch.randn(batch, 32, size, size),), target=AVX2)


def test_given_a_7x7_map_when_the_tiles_are_counted_then_batch_1_has_too_few_and_batch_2_enough():
    assert winograd.tile_count(1, 7, 7) < winograd.MIN_TILES <= winograd.tile_count(2, 7, 7)


@pytest.mark.parametrize(("height", "width", "tile"), [(56, 56, 4), (28, 12, 4), (14, 14, 2), (7, 7, 2), (8, 6, 2)])
def test_given_an_output_map_when_the_tile_is_chosen_then_4_only_where_it_divides_both_sides(height, width, tile):
    assert winograd.output_tile(height, width) == tile


@pytest.mark.parametrize(("batch", "size"), [(1, 11), (1, 13), (1, 14), (1, 24), (2, 9), (2, 16)])
def test_given_a_3x3_conv_with_enough_tiles_when_compiled_then_it_goes_by_winograd_and_matches_eager(
    matches_eager, batch, size
):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(32, 48, 3, padding=1), nn.ReLU())
    inputs = (torch.randn(batch, 32, size, size),)

    assert goes_by_winograd(model, inputs)
    matches_eager(model, inputs)


def test_given_a_residual_block_when_compiled_then_its_epilogue_is_fused_and_it_matches_eager(matches_eager):
    torch.manual_seed(0)
    block = torchvision.models.resnet18().layer1[0]
    inputs = (torch.randn(1, 64, 24, 24),)

    names = kernel_names(block, inputs)

    assert any("winograd" in name and "relu" in name for name in names)
    matches_eager(block, inputs)


@pytest.mark.parametrize(
    ("conv", "size"),
    [
        (nn.Conv2d(64, 64, 3, stride=2, padding=1), 24),
        (nn.Conv2d(64, 64, 1), 24),
        (nn.Conv2d(64, 64, 3, padding=2, dilation=2), 24),
        (nn.Conv2d(64, 64, 3, padding=1, groups=4), 24),
        (nn.Conv2d(16, 64, 3, padding=1), 24),
        (nn.Conv2d(64, 64, 3, padding=0), 24),
        (nn.Conv2d(64, 64, 3, padding=1), 7),
    ],
    ids=["strided", "1x1", "dilated", "grouped", "few input channels", "unpadded", "few tiles"],
)
def test_given_a_conv_winograd_does_not_pay_for_when_compiled_then_it_is_direct_and_matches_eager(
    matches_eager, conv, size
):
    torch.manual_seed(0)
    model = nn.Sequential(conv, nn.ReLU())
    inputs = (torch.randn(1, conv.in_channels, size, size),)

    assert not goes_by_winograd(model, inputs)
    matches_eager(model, inputs)
