"""explain() reports how much of the model's floating-point work ran on TVM."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import torch_tvm_core
from tests.torch_tvm_core.models import WithCustomOp
from torch_tvm_core import capture
from torch_tvm_core.workload import work_of


def flops(model: nn.Module, *inputs: torch.Tensor) -> int | None:
    graph = capture.aten_graph(capture.export_program(model.eval(), inputs)).graph
    return work_of(graph.nodes).flops


# Code built for another architecture cannot be loaded here: a subgraph TVM cannot make runnable.
FOREIGN_TARGET = {"kind": "llvm", "mtriple": "aarch64-linux-gnu"}


def test_a_convolution_counts_a_multiply_and_an_add_per_term() -> None:
    # 4 x 8 x 8 outputs, each summing 3 x 3 x 3 products; then one op per element for relu.
    model = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1, bias=False), nn.ReLU())

    assert flops(model, torch.randn(1, 3, 8, 8)) == 2 * 256 * 27 + 256


def test_a_linear_layer_counts_its_matrix_product_and_bias() -> None:
    assert flops(nn.Linear(8, 4), torch.randn(2, 8)) == 2 * 2 * 4 * 8 + 2 * 4


def test_pooling_counts_each_window_element() -> None:
    assert flops(nn.MaxPool2d(2), torch.randn(1, 4, 8, 8)) == 4 * 4 * 4 * 4


def test_batched_matmul_and_transposed_convolution_are_counted_from_their_shapes() -> None:
    batched = torch.randn(3, 4, 5), torch.randn(3, 5, 6)
    assert flops(_Bmm(), *batched) == 2 * 3 * 4 * 6 * 5
    transposed = nn.ConvTranspose2d(2, 3, 2, stride=2, bias=False)
    assert flops(transposed, torch.randn(1, 2, 4, 4)) == 2 * (2 * 16) * 3 * 4


class _Bmm(nn.Module):
    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return torch.bmm(a, b)


def test_a_model_entirely_on_tvm_has_full_coverage_by_flops() -> None:
    model = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1, bias=False), nn.ReLU()).eval()

    report = torch_tvm_core.explain(torch_tvm_core.compile(model, (torch.randn(1, 3, 8, 8),)))

    assert (report.coverage, report.coverage_basis) == (1.0, "flops")
    assert report.flops_total == report.flops_in_tvm == 2 * 256 * 27 + 256
    assert report.ops_fallback_by_kind == {}


def test_an_op_in_pytorch_lowers_coverage_by_its_share_of_the_flops() -> None:
    model, x = WithCustomOp().eval(), torch.randn(1, 3, 8, 8)

    report = torch_tvm_core.explain(torch_tvm_core.compile(model, (x,)))

    assert report.coverage_basis == "flops"
    assert report.coverage == pytest.approx(report.flops_in_tvm / report.flops_total)
    # The custom op is cheap next to two convolutions: most work still ran on TVM.
    assert report.tvm_op_share < report.coverage < 1.0
    assert report.ops_fallback_by_kind == {"other": 1}


def test_a_convolution_tvm_failed_to_compile_counts_as_convolution_work_in_pytorch() -> None:
    model, x = nn.Sequential(nn.Conv2d(3, 2, 3), nn.ReLU()).eval(), torch.randn(1, 3, 6, 6)

    report = torch_tvm_core.explain(
        torch_tvm_core.compile(model, (x,), target=FOREIGN_TARGET, cache_dir=None)
    )

    assert report.coverage == 0.0
    assert report.ops_fallback_by_kind == {"convolution": 1, "other": 1}
    assert report.subgraphs[0].failure is not None
    assert "tvm_subgraph_0 runs in PyTorch" in str(report)


def test_without_a_captured_graph_coverage_falls_back_to_the_operator_count() -> None:
    def data_dependent(x: torch.Tensor) -> torch.Tensor:
        return x * 2 if x.sum() > 0 else x - 1

    report = torch_tvm_core.explain(torch_tvm_core.compile(data_dependent, (torch.ones(3),)))

    assert (report.coverage, report.coverage_basis) == (0.0, "ops")
    assert report.flops_total is None


def test_a_size_known_only_when_called_makes_coverage_count_operators() -> None:
    def positives_plus_one(x: torch.Tensor) -> torch.Tensor:
        return torch.masked_select(x, x > 0).sum() + 1

    report = torch_tvm_core.explain(
        torch_tvm_core.compile(positives_plus_one, (torch.randn(10),), min_subgraph_size=1)
    )

    assert report.coverage_basis == "ops"
    assert report.coverage == report.tvm_op_share
