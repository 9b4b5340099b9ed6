"""Grouped convs with fewer channels per group than a SIMD vector run as the blocked conv."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from torch_tvm_core.schedules.grouped_conv import widened_weights, widens
from tests.support.kernels import kernel_names


@pytest.mark.parametrize(
    ("channels", "groups", "lanes"), [(64, 16, 16), (64, 8, 16), (32, 8, 8), (48, 12, 16)]
)
def test_given_small_groups_when_the_weights_are_widened_then_the_conv_computes_the_same(
    channels, groups, lanes
):
    torch.manual_seed(0)
    conv = nn.Conv2d(channels, channels, 3, padding=1, groups=groups, bias=False)
    image = torch.randn(1, channels, 9, 9)

    widened = torch.from_numpy(widened_weights(conv.weight.detach().numpy(), groups, lanes))
    result = torch.nn.functional.conv2d(image, widened, padding=1, groups=channels // lanes)

    torch.testing.assert_close(result, conv(image), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    ("weight_shape", "groups", "expected"),
    [
        ((128, 4, 3, 3), 32, True),
        ((256, 8, 3, 3), 32, True),
        ((512, 16, 3, 3), 32, False),
        ((64, 3, 3, 3), 1, False),
        ((96, 6, 3, 3), 16, False),
        ((40, 4, 3, 3), 10, False),
        ((64, 2, 3, 3), 32, False),
        ((64, 1, 3, 3), 64, False),
    ],
    ids=["4 per group", "8 per group", "a whole vector per group", "not grouped",
         "6 does not divide 16", "channels not whole vectors", "2 per group: 8x the work",
         "depthwise: 16x the work"],
)
def test_given_a_grouped_conv_when_asked_then_only_groups_that_tile_a_vector_are_widened(
    weight_shape, groups, expected
):
    assert widens(weight_shape, groups, 16) is expected


def test_given_a_resnext_block_when_compiled_then_every_conv_is_blocked_and_matches_eager(
    matches_eager,
):
    import torchvision

    torch.manual_seed(0)
    block = torchvision.models.resnext50_32x4d().layer1[0].eval()
    inputs = (torch.randn(1, 64, 12, 12),)
    convs = [name for name in kernel_names(block, inputs) if "conv2d" in name]

    assert convs and all("blocked" in name or "winograd" in name for name in convs)
    matches_eager(block, inputs)


@pytest.mark.parametrize(
    ("conv", "size"),
    [
        (nn.Conv2d(104, 104, 3, padding=1, groups=13), 9),
        (nn.Conv2d(104, 104, 3, stride=2, padding=1, groups=13), 9),
        (nn.Conv2d(44, 44, 3, padding=1, groups=11), 7),
        (nn.Conv2d(18, 24, 1, groups=3), 5),
    ],
    ids=["104 in 13 groups", "strided", "groups of 4", "6 in, 8 out per group"],
)
def test_given_groups_whose_channels_fit_no_vector_block_when_compiled_then_they_run_blocked_and_match_eager(
    matches_eager, conv, size
):
    # Given a grouped conv whose channel count is no multiple of the SIMD width (RegNet's 104, 440)
    torch.manual_seed(0)
    model = nn.Sequential(conv, nn.BatchNorm2d(conv.out_channels), nn.ReLU()).eval()
    inputs = (torch.randn(1, conv.in_channels, size, size),)
    # When it is lowered, then its conv is the blocked one (one chunk per group), not TVM's generic loop nest
    convs = [name for name in kernel_names(model, inputs) if "conv2d" in name]
    assert convs and all("blocked" in name for name in convs)
    matches_eager(model, inputs)
