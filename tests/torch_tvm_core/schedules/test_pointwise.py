"""1x1 convs run over their pixels on AVX2 where the direct register tile cannot divide the row
(7x7 maps) or holds two thirds of the pixel tile's accumulators or fewer on a map smaller than
the weights (14x14 maps on AVX2)."""

from __future__ import annotations

import pytest
import torch
import tvm
from torch import nn
from torchvision.models.resnet import Bottleneck

from torch_tvm_core.schedules.register_tiles import padded_rows, product_tile
from tests.support.kernels import kernel_names

# Code for AVX2 runs on every machine the project runs on.
AVX2 = {"kind": "llvm", "mcpu": "znver3", "num-cores": 2}
AVX512 = {"kind": "llvm", "mcpu": "znver5", "num-cores": 2}


def conv_bn_relu(in_channels: int, out_channels: int) -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, 1, bias=False), nn.BatchNorm2d(out_channels), nn.ReLU()
    ).eval()


def goes_over_pixels(model: nn.Module, inputs: tuple, target: dict) -> bool:
    return any("pointwise" in name for name in kernel_names(model, inputs, target))


def test_given_49_pixels_on_avx2_when_tiled_then_50_rows_go_5_to_a_register_tile_of_2_vectors():
    target = tvm.target.Target(AVX2)

    pixels = padded_rows(49, 16, target)

    assert (pixels, product_tile(pixels, 16, target)) == (50, (5, 2))


def test_given_a_1x1_conv_on_a_7x7_map_when_lowered_for_avx2_then_it_goes_over_its_pixels():
    assert goes_over_pixels(conv_bn_relu(32, 64), (torch.randn(1, 32, 7, 7),), AVX2)


def test_given_a_1x1_conv_on_a_7x7_map_when_lowered_for_avx512_then_the_direct_tile_of_2_vectors_by_7_stays():
    assert not goes_over_pixels(conv_bn_relu(32, 64), (torch.randn(1, 32, 7, 7),), AVX512)


def test_given_a_1x1_conv_whose_weights_outweigh_its_14x14_map_when_lowered_for_avx2_then_it_goes_over_its_pixels():
    assert goes_over_pixels(conv_bn_relu(64, 256), (torch.randn(1, 64, 14, 14),), AVX2)


def test_given_a_batch_of_14x14_maps_that_outweighs_the_weights_when_lowered_for_avx2_then_the_conv_stays_direct():
    assert not goes_over_pixels(conv_bn_relu(64, 256), (torch.randn(8, 64, 14, 14),), AVX2)


def test_given_a_1x1_conv_whose_weights_outweigh_its_14x14_map_when_lowered_for_avx512_then_it_stays_direct():
    assert not goes_over_pixels(conv_bn_relu(64, 256), (torch.randn(1, 64, 14, 14),), AVX512)


def test_given_a_weight_heavy_12x12_map_whose_pixel_tile_holds_few_more_accumulators_when_lowered_for_avx512_then_it_stays_direct():
    # 7 pixels x 2 vectors over 147 rows against 6 columns x 2 vectors: 14 accumulators to 12.
    assert not goes_over_pixels(conv_bn_relu(64, 256), (torch.randn(1, 64, 12, 12),), AVX512)


@pytest.mark.parametrize(
    ("conv", "size"),
    [
        (nn.Conv2d(32, 64, 1), 14),
        (nn.Conv2d(32, 64, 1, stride=2), 28),
        (nn.Conv2d(32, 64, 3, padding=1), 7),
    ],
    ids=["14x14 map larger than the weights", "strided to 14x14", "3x3"],
)
def test_given_a_conv_whose_direct_tile_does_not_wait_on_loads_or_no_1x1_when_lowered_then_it_stays_direct(conv, size):
    assert not goes_over_pixels(conv, (torch.randn(1, 32, size, size),), AVX2)


@pytest.mark.parametrize(
    ("model", "inputs"),
    [
        (conv_bn_relu(32, 64), (torch.randn(1, 32, 7, 7),)),
        (conv_bn_relu(32, 64), (torch.randn(2, 32, 7, 7),)),
        (nn.Conv2d(32, 64, 1).eval(), (torch.randn(1, 32, 7, 7),)),
        (nn.Conv2d(32, 64, 1, stride=2).eval(), (torch.randn(1, 32, 14, 14),)),
        (nn.Conv2d(32, 64, 1, stride=2).eval(), (torch.randn(1, 32, 13, 13),)),
        (Bottleneck(64, 16).eval(), (torch.randn(1, 64, 7, 7),)),
        (conv_bn_relu(64, 256), (torch.randn(1, 64, 14, 14),)),
    ],
    ids=["conv bn relu", "batch 2", "no epilogue", "stride 2", "stride 2 odd side", "bottleneck with residual", "14x14 map"],
)
def test_given_a_1x1_conv_over_its_pixels_when_compiled_for_avx2_then_it_matches_eager(matches_eager, model, inputs):
    assert goes_over_pixels(model, inputs, AVX2)

    matches_eager(model, inputs, target=AVX2)
