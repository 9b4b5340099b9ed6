"""Supported neighbours fuse into TVM subgraphs; the rest stays in PyTorch."""

from __future__ import annotations

import pytest
import torch

import torch_tvm_core
from tests.torch_tvm_core.models import ConvBlock, WithCustomOp, WithUnconvertedOps
from torch_tvm_core import capture
from torch_tvm_core.partition import SUBGRAPH_PREFIX, partition


def partitioned(model: torch.nn.Module, *, min_subgraph_size: int = 1):
    x = torch.randn(1, 3, 8, 8)
    graph = capture.aten_graph(capture.export_program(model.eval(), (x,)))
    return partition(graph, min_subgraph_size=min_subgraph_size, strict=False)


def test_a_fully_supported_model_becomes_one_subgraph_with_nothing_left_over() -> None:
    result = partitioned(ConvBlock())
    assert list(result.subgraph_ops) == [f"{SUBGRAPH_PREFIX}0"]
    assert result.fallback_ops == {}


def test_an_unsupported_op_splits_the_graph_and_stays_in_pytorch() -> None:
    result = partitioned(WithCustomOp())
    assert len(result.subgraph_ops) == 2
    assert result.fallback_ops == {"tvmtest.scaled_tanh.default": 1}


def test_subgraphs_below_the_minimum_size_stay_in_pytorch() -> None:
    # Both of WithCustomOp's supported runs have three ops: conv-norm-relu, conv-add-relu.
    assert len(partitioned(WithCustomOp(), min_subgraph_size=3).subgraph_ops) == 2

    result = partitioned(WithCustomOp(), min_subgraph_size=4)

    assert result.subgraph_ops == {}
    assert result.fallback_ops["aten.convolution.default"] == 2


def test_weights_read_only_by_a_subgraph_move_into_it_as_constants() -> None:
    result = partitioned(ConvBlock())
    subgraph = getattr(result.graph_module, f"{SUBGRAPH_PREFIX}0")
    placeholders = [node for node in subgraph.graph.nodes if node.op == "placeholder"]
    assert len(placeholders) == 1  # only the image; conv and norm weights are inside
    assert any(node.op == "get_attr" for node in subgraph.graph.nodes)


def test_strict_mode_names_every_unsupported_op_instead_of_falling_back() -> None:
    with pytest.raises(torch_tvm_core.UnsupportedOperatorError) as raised:
        torch_tvm_core.compile(WithUnconvertedOps().eval(), (torch.randn(1, 3, 8, 8),), strict=True)
    assert raised.value.ops == ("aten.special_bessel_j0.default", "aten.special_erfcx.default")
    assert "aten.special_bessel_j0.default" in str(raised.value)
