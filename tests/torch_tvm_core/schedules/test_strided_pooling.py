"""Pooling windows that step along a row by more than one element run as scalar rows."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from tests.support.kernels import scheduled_kernels


def pooling_script(model: nn.Module, inputs: tuple) -> str:
    (script,) = [s for name, s in scheduled_kernels(model, inputs).items() if "pool" in name]
    return script


def test_given_resnets_stride_2_max_pool_when_scheduled_then_rows_are_scalar_with_the_window_unrolled():
    # Given ResNet's stem pooling, whose window steps by 2 along the input row
    model, inputs = nn.MaxPool2d(3, stride=2, padding=1), (torch.randn(1, 8, 20, 20),)
    # When it is scheduled
    script = pooling_script(model, inputs)
    # Then no loop is vectorized (each lane would be gathered) and the 3x3 window is unrolled
    assert "T.vectorized" not in script
    assert script.count("T.unroll(T.int64(3))") == 2
    assert "T.parallel" in script


def test_given_a_stride_1_max_pool_when_scheduled_then_its_rows_stay_vectorized():
    model, inputs = nn.MaxPool2d(3, stride=1, padding=1), (torch.randn(1, 8, 20, 20),)

    assert "T.vectorized" in pooling_script(model, inputs)


@pytest.mark.parametrize(
    "pool",
    [nn.MaxPool2d(3, stride=2, padding=1), nn.AvgPool2d(2, stride=2), nn.MaxPool2d(3, stride=2, ceil_mode=True)],
    ids=["resnet stem", "densenet transition", "ceil mode"],
)
def test_given_a_strided_pool_when_compiled_then_it_matches_eager(matches_eager, pool):
    torch.manual_seed(0)

    matches_eager(pool, (torch.randn(2, 8, 21, 21),))
