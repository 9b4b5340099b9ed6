"""Models with ops TVM cannot take, or subgraphs TVM fails to compile, still run correctly."""

from __future__ import annotations

import pytest
import torch

import torch_tvm_core
from tests.torch_tvm_core.models import WithCustomOp, WithUnconvertedOps


def image() -> torch.Tensor:
    return torch.randn(1, 3, 8, 8)


class ConvPlusOne(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 2, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x) + 1


# Code built for another architecture cannot be loaded here: a subgraph TVM cannot make
# runnable. (Every operator TVM is known to fail on is left to PyTorch by the partitioner.)
FOREIGN_TARGET = {"kind": "llvm", "mtriple": "aarch64-linux-gnu"}


def test_a_custom_torch_library_op_runs_in_pytorch_between_tvm_subgraphs() -> None:
    model, x = WithCustomOp().eval(), image()

    compiled = torch_tvm_core.compile(model, (x,))

    torch.testing.assert_close(compiled(x), model(x), atol=1e-5, rtol=1e-5)
    report = torch_tvm_core.explain(compiled)
    assert report.ops_fallback == {"tvmtest.scaled_tanh.default": 1}
    assert len(report.subgraphs) == 2


def test_ops_the_tvm_frontend_does_not_convert_run_in_pytorch() -> None:
    model, x = WithUnconvertedOps().eval(), image()

    compiled = torch_tvm_core.compile(model, (x,))

    torch.testing.assert_close(compiled(x), model(x), atol=1e-5, rtol=1e-5)
    report = torch_tvm_core.explain(compiled)
    assert set(report.ops_fallback) >= {
        "aten.special_bessel_j0.default",
        "aten.special_erfcx.default",
    }
    assert report.ops_in_tvm["aten.convolution.default"] == 1


def test_a_subgraph_tvm_fails_to_compile_falls_back_without_failing_the_call() -> None:
    model, x = ConvPlusOne().eval(), torch.randn(1, 3, 6, 6)

    compiled = torch_tvm_core.compile(model, (x,), target=FOREIGN_TARGET, cache_dir=None)

    torch.testing.assert_close(compiled(x), model(x))
    [subgraph] = torch_tvm_core.explain(compiled).subgraphs
    assert not subgraph.ran_on_tvm
    assert "architecture" in subgraph.failure


def test_a_spec_that_failed_to_compile_goes_straight_to_pytorch_afterwards() -> None:
    model, x = ConvPlusOne().eval(), torch.randn(1, 3, 6, 6)
    compiled = torch_tvm_core.compile(model, (x,), target=FOREIGN_TARGET, cache_dir=None)

    compiled(x)
    compiled(x)

    assert torch_tvm_core.explain(compiled).cache_misses == 1


def test_strict_mode_raises_when_tvm_fails_to_compile_a_subgraph() -> None:
    model, x = ConvPlusOne().eval(), torch.randn(1, 3, 6, 6)
    with pytest.raises(torch_tvm_core.LoweringError, match="tvm_subgraph_0"):
        torch_tvm_core.compile(model, (x,), strict=True, target=FOREIGN_TARGET, cache_dir=None)


def test_a_program_torch_export_cannot_capture_runs_in_pytorch() -> None:
    def data_dependent(x: torch.Tensor) -> torch.Tensor:
        return x * 2 if x.sum() > 0 else x - 1

    x = torch.ones(3)

    compiled = torch_tvm_core.compile(data_dependent, (x,))

    torch.testing.assert_close(compiled(x), data_dependent(x))
    torch.testing.assert_close(compiled(-x), data_dependent(-x))
    assert torch_tvm_core.explain(compiled).capture_error is not None


def test_a_sparse_input_never_reaches_tvm() -> None:
    def negated_plus_one(x: torch.Tensor) -> torch.Tensor:
        return torch.neg(x).to_dense() + 1

    x = torch.eye(4).to_sparse()

    compiled = torch_tvm_core.compile(negated_plus_one, (x,), min_subgraph_size=1)

    torch.testing.assert_close(compiled(x), negated_plus_one(x))
    report = torch_tvm_core.explain(compiled)
    assert all(subgraph.failure is None for subgraph in report.subgraphs)
    assert report.ops_fallback["aten.neg.default"] == 1
    assert report.ops_in_tvm == {"aten.add.Tensor": 1}


def test_shape_bookkeeping_around_masked_select_stays_in_pytorch_without_failures() -> None:
    def positives_plus_one(x: torch.Tensor) -> torch.Tensor:
        return torch.masked_select(x, x > 0).sum() + 1

    x = torch.randn(10)

    compiled = torch_tvm_core.compile(positives_plus_one, (x,), min_subgraph_size=1)

    torch.testing.assert_close(compiled(x), positives_plus_one(x))
    report = torch_tvm_core.explain(compiled)
    assert all(subgraph.failure is None for subgraph in report.subgraphs)
    assert report.ops_fallback["aten.masked_select.default"] == 1


def test_cosh_and_sinh_run_in_pytorch_without_a_failed_build() -> None:
    def hyperbolic(x: torch.Tensor) -> torch.Tensor:
        return torch.cosh(x) * torch.sinh(x) + x

    x = torch.randn(64)

    compiled = torch_tvm_core.compile(hyperbolic, (x,), min_subgraph_size=1)

    torch.testing.assert_close(compiled(x), hyperbolic(x))
    report = torch_tvm_core.explain(compiled)
    assert all(subgraph.failure is None for subgraph in report.subgraphs)
    assert report.ops_fallback == {"aten.cosh.default": 1, "aten.sinh.default": 1}


def test_intrinsics_tvm_can_build_run_on_tvm() -> None:
    def activations(x: torch.Tensor) -> torch.Tensor:
        return torch.tanh(x) * torch.exp(x) + torch.erf(x)

    x = torch.randn(64)

    compiled = torch_tvm_core.compile(activations, (x,), min_subgraph_size=1)

    torch.testing.assert_close(compiled(x), activations(x))
    report = torch_tvm_core.explain(compiled)
    assert report.ops_fallback == {}
    assert report.ops_in_tvm["aten.erf.default"] == 1


def test_max_pooling_whose_indices_are_used_runs_in_pytorch() -> None:
    def pooled_with_indices(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return torch.nn.functional.max_pool2d(x, 2, return_indices=True)

    x = torch.randn(1, 2, 6, 6)

    compiled = torch_tvm_core.compile(pooled_with_indices, (x,), min_subgraph_size=1)

    values, indices = compiled(x)
    assert indices.dtype == torch.int64
    torch.testing.assert_close((values, indices), pooled_with_indices(x))
    assert torch_tvm_core.explain(compiled).ops_fallback == {
        "aten.max_pool2d_with_indices.default": 1
    }
