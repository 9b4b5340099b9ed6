"""explain() says what ran where, in a form benchsvc can store as JSON."""

from __future__ import annotations

import json

import pytest
import torch

import torch_tvm_core
from tests.torch_tvm_core.models import ConvBlock, WithCustomOp


def test_the_report_serialises_to_json_with_the_agreed_keys() -> None:
    model, x = WithCustomOp().eval(), torch.randn(1, 3, 8, 8)
    compiled = torch_tvm_core.compile(model, (x,))

    document = json.loads(json.dumps(torch_tvm_core.explain(compiled).to_dict()))

    assert {
        "subgraphs",
        "ops_in_tvm",
        "ops_fallback",
        "tvm_op_share",
        "compile_seconds",
        "cache_hits",
        "cache_misses",
    } <= set(document)
    assert document["subgraphs"] == 2
    assert set(document["compile_seconds"]) == {"tvm_subgraph_0", "tvm_subgraph_1"}


def test_the_share_counts_ops_in_tvm_against_all_ops() -> None:
    model, x = WithCustomOp().eval(), torch.randn(1, 3, 8, 8)

    report = torch_tvm_core.explain(torch_tvm_core.compile(model, (x,)))

    in_tvm, fallback = sum(report.ops_in_tvm.values()), sum(report.ops_fallback.values())
    assert (in_tvm, fallback) == (6, 1)
    assert report.tvm_op_share == pytest.approx(6 / 7)


def test_a_fully_supported_model_reports_every_op_in_tvm() -> None:
    report = torch_tvm_core.explain(
        torch_tvm_core.compile(ConvBlock().eval(), (torch.randn(1, 3, 8, 8),))
    )

    assert report.ops_in_tvm == {
        "aten._native_batch_norm_legit_no_training.default": 1,
        "aten.convolution.default": 1,
        "aten.relu.default": 1,
    }
    assert report.ops_fallback == {}
    assert report.tvm_op_share == 1.0
    assert "100.0% of ops on TVM" in str(report)


def test_explaining_something_not_compiled_by_us_is_a_clear_type_error() -> None:
    with pytest.raises(TypeError, match="torch_tvm_core.compile"):
        torch_tvm_core.explain(torch.nn.ReLU())
