"""Grouped convs with fewer channels per group than a SIMD vector run as the blocked conv,
interleaved where convs on both sides take the channel order into their weights."""

from __future__ import annotations

import numpy
import pytest
import torch
from torch import nn

from torch_tvm_core.schedules.grouped_conv import (
    interleave_of,
    interleaved_order,
    interleaved_weights,
    pack_interleaved,
    widened_weights,
    widens,
)
from tests.support.kernels import kernel_names

AVX2 = {"kind": "llvm", "mcpu": "znver3", "num-cores": 2}
# Lowered only: code for it would not run on an AVX2 machine. Where a test also runs the
# model, it runs it for this machine's own CPU.
AVX512 = {"kind": "llvm", "mcpu": "znver5", "num-cores": 2}


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


def test_given_groups_of_four_when_interleaved_then_each_lane_of_four_belongs_to_one_group():
    order = interleaved_order(32, 4, 16)

    assert order[:16].tolist() == [0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15]
    assert order[16:].tolist() == (order[:16] + 16).tolist()


@pytest.mark.parametrize(("channels", "groups", "lanes"), [(64, 16, 16), (64, 8, 16), (32, 8, 8)])
def test_given_interleaved_weights_when_the_input_is_interleaved_then_the_output_is_the_conv_interleaved(
    channels, groups, lanes
):
    torch.manual_seed(0)
    conv = nn.Conv2d(channels, channels, 3, padding=1, groups=groups, bias=False)
    image = torch.randn(1, channels, 9, 9)
    order = torch.from_numpy(interleaved_order(channels, channels // groups, lanes))

    weights = torch.from_numpy(interleaved_weights(conv.weight.detach().numpy(), groups, lanes))
    result = torch.nn.functional.conv2d(image[:, order], weights, padding=1, groups=channels // lanes)

    torch.testing.assert_close(result, conv(image)[:, order], rtol=1e-5, atol=1e-5)


def _packed(weights):
    """OIHW with one vector of channels per group -> OIHW[b]i[b]o, as the blocked layout packs it."""
    out_channels, lanes, height, width = weights.shape
    blocks = weights.reshape(out_channels // lanes, lanes, lanes, height, width)
    return blocks.transpose(0, 3, 4, 2, 1)[:, None]


@pytest.mark.parametrize(("per_group", "spread"), [(4, 4), (8, 2)])
def test_given_interleaved_weights_when_packed_then_the_groups_per_vector_are_recognised(per_group, spread):
    weights = numpy.random.default_rng(0).standard_normal((64, per_group, 3, 3)).astype("float32")

    packed = _packed(interleaved_weights(weights, 64 // per_group, 16))

    assert interleave_of(packed) == spread


def test_given_a_dense_group_of_a_whole_vector_when_packed_then_no_interleave_is_recognised():
    weights = numpy.random.default_rng(0).standard_normal((64, 16, 3, 3)).astype("float32")

    assert interleave_of(_packed(weights)) is None


def test_given_recognised_weights_when_packed_for_the_interleaved_conv_then_only_each_lanes_group_is_kept():
    weights = numpy.random.default_rng(0).standard_normal((32, 4, 3, 3)).astype("float32")
    packed = _packed(interleaved_weights(weights, 8, 16))

    kept = pack_interleaved(packed, 4)

    assert kept.shape == (2, 1, 3, 3, 4, 16)
    # Output lane 5 is channel 1 of its block's group 1 (block channels 4-7), input k of it at lane 4k + 1.
    numpy.testing.assert_array_equal(kept[0, 0, :, :, :, 5], weights[4 + 1].transpose(1, 2, 0))


def _bottleneck(width: int, groups: int) -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(32, width, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU(),
        nn.Conv2d(width, width, 3, padding=1, groups=groups, bias=False), nn.BatchNorm2d(width), nn.ReLU(),
        nn.Conv2d(width, 32, 1, bias=False), nn.BatchNorm2d(32),
    )


def _randomized(model: nn.Module) -> nn.Module:
    """Batch norms with statistics, so the folded biases differ per channel."""
    torch.manual_seed(0)
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            nn.init.uniform_(module.weight, 0.5, 1.5)
            nn.init.uniform_(module.bias, -0.5, 0.5)
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 1.5)
    return model.eval()


@pytest.mark.parametrize(
    ("width", "groups", "target"),
    [(64, 16, AVX512), (64, 8, AVX512), (32, 8, AVX2)],
    ids=["4 per group, AVX-512", "8 per group, AVX-512", "4 per group, AVX2"],
)
def test_given_a_bottleneck_when_compiled_then_its_grouped_conv_is_interleaved_and_matches_eager(
    matches_eager, width, groups, target
):
    model = _randomized(_bottleneck(width, groups))
    inputs = (torch.randn(1, 32, 10, 10),)

    names = kernel_names(model, inputs, target=target)

    assert any("interleaved" in name for name in names)
    matches_eager(model, inputs, target=target if target is AVX2 else None)


def test_given_a_strided_resnext_block_when_compiled_then_it_is_interleaved_and_matches_eager(matches_eager):
    import torchvision

    block = _randomized(torchvision.models.resnext50_32x4d().layer2[0])
    inputs = (torch.randn(1, 256, 10, 10),)

    assert any("interleaved" in name for name in kernel_names(block, inputs, target=AVX512))
    matches_eager(block, inputs)


def test_given_a_grouped_conv_on_the_model_input_when_compiled_then_it_is_widened_in_place_and_matches_eager(
    matches_eager,
):
    # No conv before it can take the interleaved order into its weights.
    model = _randomized(nn.Sequential(nn.Conv2d(32, 32, 3, padding=1, groups=8), nn.BatchNorm2d(32), nn.ReLU(), nn.Conv2d(32, 16, 1)))
    inputs = (torch.randn(1, 32, 8, 8),)

    names = kernel_names(model, inputs, target=AVX512)

    assert not any("interleaved" in name for name in names)
    matches_eager(model, inputs)


class _Branching(nn.Module):
    """The grouped conv's input is also read by a second branch."""

    def __init__(self) -> None:
        super().__init__()
        self.reduce = nn.Conv2d(32, 32, 1)
        self.grouped = nn.Conv2d(32, 32, 3, padding=1, groups=8)
        self.expand = nn.Conv2d(32, 32, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        reduced = torch.relu(self.reduce(x))
        return self.expand(torch.relu(self.grouped(reduced))) + reduced


def test_given_a_grouped_conv_whose_input_is_read_elsewhere_when_compiled_then_it_is_widened_in_place_and_matches_eager(
    matches_eager,
):
    model = _randomized(_Branching())
    inputs = (torch.randn(1, 32, 8, 8),)

    names = kernel_names(model, inputs, target=AVX512)

    assert not any("interleaved" in name for name in names)
    matches_eager(model, inputs)


def test_given_zero_weights_in_the_interleaved_pattern_on_a_conv_with_two_output_chunks_per_group_when_compiled_then_it_runs_blocked_and_matches_eager(
    matches_eager,
):
    # Given a grouped conv of 16 input and 32 output channels per group whose weights happen
    # to be zero wherever input and output lanes differ modulo 4 (as after pruning)
    conv = nn.Conv2d(32, 64, 3, padding=1, groups=2, bias=False)
    lanes = numpy.arange(64)[:, None] % 16 % 4 != numpy.arange(16)[None, :] % 4
    with torch.no_grad():
        conv.weight[torch.from_numpy(lanes)] = 0
    model = nn.Sequential(nn.Conv2d(16, 32, 1), conv, nn.ReLU(), nn.Conv2d(64, 16, 1)).eval()
    inputs = (torch.randn(1, 16, 8, 8),)

    # When it is lowered, then it is not taken for an interleaved conv (one output chunk per group)
    assert not any("interleaved" in name for name in kernel_names(model, inputs, target=AVX512))
    matches_eager(model, inputs)
