"""Matmuls with several rows (dense layers over tokens, attention) get register-tiled schedules
and compute what eager PyTorch computes."""

from __future__ import annotations

import numpy
import pytest
import torch
import tvm
from torch import nn
from tvm import s_tir

from torch_tvm_core import capture, lower, pipeline
from torch_tvm_core.schedules.cpu import simd_lanes
from torch_tvm_core.schedules.matmul import pack_panels, panel_width
from torch_tvm_core.schedules.matmul_rule import schedule_matmul


class Attention(nn.Module):
    def forward(self, query: torch.Tensor, key: torch.Tensor, value: torch.Tensor) -> torch.Tensor:
        return torch.softmax(query @ key.transpose(-1, -2), dim=-1) @ value


def tiled_kernels(model: nn.Module, inputs: tuple) -> int:
    target = pipeline.default_target(1)
    module = lower.relax_module(capture.export_program(model.eval(), inputs))
    with target, tvm.transform.PassContext(opt_level=3):
        lowered = pipeline.lower_to_kernels(module, target)
    kernels = [f for f in lowered.functions.values() if isinstance(f, tvm.tirx.PrimFunc)]
    return sum(schedule_matmul(s_tir.Schedule(kernel), target) for kernel in kernels)


@pytest.mark.parametrize("rows", [4, 7, 50, 197])
def test_given_a_dense_layer_over_several_rows_when_compiled_then_it_is_tiled_and_matches_eager(
    matches_eager, rows
):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(96, 64), nn.GELU())
    inputs = (torch.randn(1, rows, 96),)

    assert tiled_kernels(model, inputs) == 1
    matches_eager(model, inputs)


def test_given_attention_when_compiled_then_both_products_are_tiled_and_it_matches_eager(matches_eager):
    torch.manual_seed(0)
    inputs = tuple(torch.randn(1, 4, 64, 32) for _ in range(3))

    assert tiled_kernels(Attention(), inputs) == 2
    matches_eager(Attention(), inputs)


@pytest.mark.parametrize(
    ("rows", "columns", "tiled"),
    [
        (8, 100, 1),  # columns short of a whole vector: tiled over the padded columns
        (8, 1000, 1),
        (1, 64, 0),  # too few rows to share weight loads: the loop nest
        (3, 64, 0),
        (50, 3, 0),  # padding would outweigh the columns: the loop nest
    ],
)
def test_given_a_dense_layer_when_compiled_then_the_matmul_rule_tiles_it_only_where_it_pays_and_it_matches_eager(
    matches_eager, rows, columns, tiled
):
    torch.manual_seed(0)
    model = nn.Linear(96, columns)
    inputs = (torch.randn(rows, 96),)

    assert tiled_kernels(model, inputs) == tiled
    matches_eager(model, inputs)


@pytest.mark.parametrize(("columns", "panel"), [(64, 32), (48, 16), (3072, 32), (100, None)])
def test_given_a_weight_matrix_when_its_panel_is_chosen_then_it_is_the_register_tile_width(columns, panel):
    assert panel_width(columns, 16) == panel


def test_given_columns_short_of_a_whole_panel_when_packed_then_the_last_panel_is_zero_padded():
    weights = numpy.arange(6 * 20, dtype="float32").reshape(6, 20)

    packed = pack_panels(weights, 16)

    assert packed.shape == (2, 6, 16)
    numpy.testing.assert_array_equal(packed[1, 4, :4], weights[4, 16:20])
    numpy.testing.assert_array_equal(packed[1, :, 4:], 0.0)


def test_given_packed_weights_then_each_panel_holds_its_columns_row_after_row():
    weights = numpy.arange(6 * 64, dtype="float32").reshape(6, 64)

    packed = pack_panels(weights, 32)

    assert packed.shape == (2, 6, 32)
    numpy.testing.assert_array_equal(packed[1, 4], weights[4, 32:64])


def test_given_a_dense_layer_over_several_rows_when_lowered_then_its_weights_are_packed_in_panels():
    torch.manual_seed(0)
    model = nn.Linear(96, 64).eval()
    target = pipeline.default_target(1)
    module = lower.relax_module(capture.export_program(model, (torch.randn(8, 96),)))
    with target, tvm.transform.PassContext(opt_level=3):
        lowered = pipeline.lower_to_kernels(module, target)

    kernels = [f.script() for f in lowered.functions.values() if isinstance(f, tvm.tirx.PrimFunc)]

    panel = panel_width(64, simd_lanes(target))
    packed = f"T.Buffer((T.int64({64 // panel}), T.int64(96), T.int64({panel}))"
    assert any(packed in kernel for kernel in kernels)


def test_given_a_batch_1_classifier_when_lowered_then_its_weights_are_packed_in_one_vector_panels_and_the_padding_sliced_off():
    # Given a 999-class dense layer at batch 1 (999 is no multiple of any SIMD width)
    classifier = nn.Linear(64, 999).eval()
    target = pipeline.default_target(1)
    module = lower.relax_module(capture.export_program(classifier, (torch.randn(1, 64),)))

    # When it is lowered
    with target, tvm.transform.PassContext(opt_level=3):
        lowered = pipeline.lower_to_kernels(module, target)

    # Then its product reads one-vector panels over the columns padded to whole vectors
    lanes = simd_lanes(target)
    panels = -(-999 // lanes)
    kernels = {g.name_hint: f.script() for g, f in lowered.functions_items() if isinstance(f, tvm.tirx.PrimFunc)}
    assert any(f"T.Buffer((T.int64({panels}), T.int64(64), T.int64({lanes}))" in k for k in kernels.values())
    # And what leaves the kernels has the layer's 999 columns
    assert any("unpadded" in name and "T.int64(999)" in k for name, k in kernels.items())
