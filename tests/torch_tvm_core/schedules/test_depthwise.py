"""Depthwise convs get their own schedule (one channel plane per thread, rows vectorized) and
compute what eager PyTorch computes."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from torch_tvm_core.schedules.depthwise import applies
from torch_tvm_core.schedules.depthwise_rule import row_piece
from tests.support.kernels import kernel_names


@pytest.mark.parametrize(
    ("conv", "batch", "size"),
    [
        (nn.Conv2d(32, 32, 3, padding=1, groups=32), 1, 20),
        (nn.Conv2d(24, 24, 3, stride=2, padding=1, groups=24), 1, 21),
        (nn.Conv2d(16, 16, 5, padding=2, groups=16), 2, 13),
        (nn.Conv2d(16, 16, 5, stride=2, padding=2, groups=16), 1, 17),
        (nn.Conv2d(8, 8, 3, padding=2, dilation=2, groups=8), 1, 15),
        (nn.Conv2d(8, 8, 3, groups=8), 1, 9),
        (nn.Conv2d(8, 8, (1, 3), padding=(0, 1), groups=8, bias=False), 1, 70),
    ],
    ids=["3x3", "3x3 stride 2", "5x5 batch 2", "5x5 stride 2", "dilated", "unpadded", "1x3 wide row"],
)
def test_given_a_depthwise_conv_when_compiled_then_it_uses_the_depthwise_schedule_and_matches_eager(
    matches_eager, conv, batch, size
):
    torch.manual_seed(0)
    model = nn.Sequential(conv, nn.BatchNorm2d(conv.out_channels), nn.ReLU6()).eval()
    inputs = (torch.randn(batch, conv.in_channels, size, size),)

    assert any(name.startswith("fused_depthwise_conv2d") for name in kernel_names(model, inputs))
    matches_eager(model, inputs)


def test_given_a_channel_multiplier_of_two_when_compiled_then_it_is_no_depthwise_conv_and_matches_eager(
    matches_eager,
):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(8, 16, 3, padding=1, groups=8), nn.ReLU())
    inputs = (torch.randn(1, 8, 12, 12),)

    assert not any("depthwise" in name for name in kernel_names(model, inputs))
    matches_eager(model, inputs)


@pytest.mark.parametrize(
    ("data_shape", "kernel_shape", "groups", "expected"),
    [
        ((1, 32, 8, 8), (32, 1, 3, 3), 32, True),
        ((1, 32, 8, 8), (64, 1, 3, 3), 32, False),
        ((1, 32, 8, 8), (32, 4, 3, 3), 8, False),
        ((1, 1, 8, 8), (1, 1, 3, 3), 1, False),
    ],
    ids=["depthwise", "multiplier 2", "grouped", "one channel, no groups"],
)
def test_given_conv_shapes_when_asked_then_only_one_output_channel_per_input_channel_is_depthwise(
    data_shape, kernel_shape, groups, expected
):
    assert applies(data_shape, kernel_shape, groups) is expected


@pytest.mark.parametrize(("width", "piece"), [(112, 16), (56, 14), (7, 7), (70, 14), (67, 1)])
def test_given_a_row_width_when_split_then_the_piece_divides_it_and_fits_one_vector(width, piece):
    assert row_piece(width, 16) == piece
