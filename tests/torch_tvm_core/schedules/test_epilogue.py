"""Elementwise ops after a conv run inside its tiles, whatever shape their dataflow has."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from tests.support.kernels import scheduled_kernels


def top_level_loops(script: str) -> list[str]:
    return [line for line in script.splitlines() if line.startswith("    for ")]


@pytest.mark.parametrize(
    "conv",
    [nn.Conv2d(32, 64, 1, bias=False), nn.Conv2d(32, 32, 3, padding=1, groups=32, bias=False)],
    ids=["blocked conv", "depthwise conv"],
)
def test_given_a_conv_with_a_silu_epilogue_when_scheduled_then_every_loop_nest_runs_in_parallel(matches_eager, conv):
    # Given conv -> batch norm -> SiLU, whose x * sigmoid(x) reads the conv's value twice
    torch.manual_seed(0)
    model = nn.Sequential(conv, nn.BatchNorm2d(conv.out_channels), nn.SiLU(), nn.Conv2d(conv.out_channels, 32, 1))
    inputs = (torch.randn(1, 32, 16, 16),)
    # When the kernels are scheduled
    kernels = [script for name, script in scheduled_kernels(model, inputs).items() if "conv2d" in name]
    # Then no epilogue is left as a loop nest of its own over the whole output
    assert kernels and all("T.parallel" in loop for script in kernels for loop in top_level_loops(script))
    matches_eager(model, inputs)
