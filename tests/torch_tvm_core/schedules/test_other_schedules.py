"""Dense, pooling and the ResNet family's tail compute what eager PyTorch computes."""

from __future__ import annotations

import re

import pytest
import torch
import torchvision
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch import nn

SLOW_COMPILE = settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@SLOW_COMPILE
@given(
    batch=st.integers(1, 4),
    in_features=st.sampled_from([1, 7, 13, 64, 512]),
    out_features=st.sampled_from([1, 10, 31, 1000]),
)
def test_given_any_dense_shape_when_compiled_then_it_matches_eager(
    matches_eager, batch, in_features, out_features
):
    torch.manual_seed(0)
    matches_eager(nn.Linear(in_features, out_features), (torch.randn(batch, in_features),))


@pytest.mark.parametrize("channels", [3, 16, 17])
def test_given_max_and_average_pooling_when_compiled_then_they_match_eager(
    matches_eager, channels
):
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(channels, 16, 3), nn.MaxPool2d(3, 2, 1), nn.AdaptiveAvgPool2d(1), nn.Flatten()
    )
    matches_eager(model, (torch.randn(2, channels, 15, 15),))


@pytest.mark.parametrize("name", ["resnet18", "resnet50", "resnext50_32x4d"])
def test_given_a_resnet_family_model_when_compiled_then_it_matches_eager(matches_eager, name):
    torch.manual_seed(0)
    model = getattr(torchvision.models, name)(weights=None)
    matches_eager(model, (torch.randn(1, 3, 64, 64),))


class RowTimesMatrix(nn.Module):
    def forward(self, row: torch.Tensor, matrix: torch.Tensor) -> torch.Tensor:
        return row @ matrix


@pytest.mark.parametrize(("threads", "ranges"), [(1, 4), (2, 8)])
def test_given_a_batch_1_product_of_two_inputs_when_scheduled_then_its_output_row_is_split_over_the_threads(threads, ranges):
    from tests.support.kernels import scheduled_kernels

    # Given one row times a 1000-column matrix that is an input, not a weight (no packing), and
    # 16-lane vectors (AVX-512), of which 1000 columns are no multiple
    inputs = (torch.randn(1, 64), torch.randn(64, 1000))
    avx512 = {"kind": "llvm", "mcpu": "skylake-avx512", "num-cores": threads}

    # When its kernel is scheduled
    scripts = scheduled_kernels(RowTimesMatrix(), inputs, threads=threads, target=avx512)

    # Then the row runs as column ranges in parallel, up to 4 per thread
    script = next(text for name, text in scripts.items() if "matmul" in name)
    assert re.search(rf"T\.parallel\((T\.int64\()?{ranges}\)", script)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("columns", [1000, 1024])
def test_given_a_batch_1_dense_layer_when_scheduled_then_threads_split_its_weight_panels_and_each_vector_reads_one_panel(
    threads, columns
):
    from tests.support.kernels import scheduled_kernels

    # Given a dense layer at batch 1, its weights packed in column panels
    layer = nn.Linear(64, columns).eval()

    # When its kernel is scheduled
    scripts = scheduled_kernels(layer, (torch.randn(1, 64),), threads=threads)

    # Then the threads split the panels, and the vectorized loop is one panel wide
    script = next(text for name, text in scripts.items() if "matmul" in name)
    panels, width = (int(v) for v in re.search(
        r"T\.Buffer\(\(T\.int64\((\d+)\), T\.int64\(64\), T\.int64\((\d+)\)\)", script
    ).groups())
    assert panels * width >= columns
    assert re.search(rf"T\.parallel\((T\.int64\()?{panels}\)", script)
    assert re.search(rf"T\.vectorized\((T\.int64\()?{width}\)", script)
