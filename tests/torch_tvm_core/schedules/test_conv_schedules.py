"""The default conv schedules compute what eager PyTorch computes, for any conv shape."""

from __future__ import annotations

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch import nn

SLOW_COMPILE = settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
channels = st.sampled_from([1, 3, 7, 8, 13, 16, 24, 31, 64])


@SLOW_COMPILE
@given(
    in_channels=channels,
    out_channels=channels,
    kernel=st.sampled_from([1, 3, 5, 7]),
    stride=st.sampled_from([1, 2]),
    padding=st.integers(0, 3),
    size=st.integers(1, 12),
    batch=st.integers(1, 3),
    bias=st.booleans(),
    relu=st.booleans(),
)
def test_given_any_conv_shape_when_compiled_then_it_matches_eager(
    matches_eager, in_channels, out_channels, kernel, stride, padding, size, batch, bias, relu
):
    if size + 2 * padding < kernel:
        return
    torch.manual_seed(0)
    layers = [nn.Conv2d(in_channels, out_channels, kernel, stride, padding, bias=bias)]
    if relu:
        layers.append(nn.ReLU())
    matches_eager(nn.Sequential(*layers), (torch.randn(batch, in_channels, size, size),))


def test_given_a_1x1_image_when_a_blocked_conv_runs_then_it_matches_eager(matches_eager):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.Conv2d(32, 16, 1))
    matches_eager(model, (torch.randn(2, 16, 1, 1),))


def test_given_batch_norm_with_running_stats_when_folded_into_the_conv_then_it_matches_eager(
    matches_eager,
):
    torch.manual_seed(0)
    norm = nn.BatchNorm2d(16)
    norm.running_mean.uniform_(-1, 1)
    norm.running_var.uniform_(0.5, 2)
    norm.weight.data.uniform_(0.5, 2)
    norm.bias.data.uniform_(-1, 1)
    for bias in (True, False):
        model = nn.Sequential(nn.Conv2d(8, 16, 3, padding=1, bias=bias), norm, nn.ReLU())
        matches_eager(model, (torch.randn(1, 8, 10, 10),))


@pytest.mark.parametrize("groups", [2, 8])
def test_given_a_grouped_conv_when_compiled_then_it_matches_eager(matches_eager, groups):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(32, 32, 3, padding=1, groups=groups), nn.ReLU())
    matches_eager(model, (torch.randn(1, 32, 9, 9),))


def test_given_a_strided_residual_block_when_compiled_then_it_matches_eager(matches_eager):
    import torchvision

    torch.manual_seed(0)
    block = torchvision.models.resnet18().layer2[0]
    matches_eager(block, (torch.randn(1, 64, 14, 14),))
