"""enable() routes torch.jit.trace through TVM; disable() restores PyTorch exactly."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import torch

import torch_tvm_core
from tests.torch_tvm_core.models import WithCustomOp


@pytest.fixture(autouse=True)
def always_disabled_afterwards() -> Iterator[None]:
    yield
    torch_tvm_core.disable()


def test_traced_modules_run_their_supported_subgraphs_on_tvm() -> None:
    model, x = WithCustomOp().eval(), torch.randn(1, 3, 8, 8)
    torch_tvm_core.enable()

    traced = torch.jit.trace(model, (x,))
    out = traced(x)

    torch.testing.assert_close(out, model(x), atol=1e-5, rtol=1e-5)
    report = torch_tvm_core.explain(traced)
    assert report.ops_in_tvm["aten.convolution.default"] == 2
    assert report.ops_fallback == {"tvmtest.scaled_tanh.default": 1}


def test_traced_functions_run_on_tvm_too() -> None:
    def gelu_ish(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return x * torch.sigmoid(1.702 * x) + y

    x, y = torch.randn(4, 8), torch.randn(4, 8)
    torch_tvm_core.enable()

    traced = torch.jit.trace(gelu_ish, (x, y))

    torch.testing.assert_close(traced(x, y), gelu_ish(x, y))
    assert torch_tvm_core.explain(traced).tvm_op_share == 1.0


def test_a_traced_module_still_exposes_the_trace() -> None:
    model, x = WithCustomOp().eval(), torch.randn(1, 3, 8, 8)
    torch_tvm_core.enable()

    traced = torch.jit.trace(model, (x,))

    assert "scaled_tanh" in str(traced.graph)
    assert isinstance(traced.traced, torch.jit.ScriptModule)


def test_disable_puts_back_the_very_same_trace_function() -> None:
    original = torch.jit.trace
    torch_tvm_core.enable()
    assert torch_tvm_core.is_enabled() and torch.jit.trace is not original

    torch_tvm_core.disable()

    assert torch.jit.trace is original
    assert not torch_tvm_core.is_enabled()
    assert isinstance(torch.jit.trace(torch.nn.ReLU(), torch.randn(2)), torch.jit.ScriptModule)


def test_enabling_twice_then_disabling_once_restores_pytorch() -> None:
    original = torch.jit.trace
    torch_tvm_core.enable(opt_level=2)
    torch_tvm_core.enable(opt_level=3)

    torch_tvm_core.disable()

    assert torch.jit.trace is original


def test_bad_options_are_rejected_and_leave_pytorch_untouched() -> None:
    original = torch.jit.trace

    with pytest.raises(torch_tvm_core.SettingsError, match="opt_level"):
        torch_tvm_core.enable(opt_level=9)
    with pytest.raises(torch_tvm_core.SettingsError, match="valid options"):
        torch_tvm_core.enable(opt_levle=3)

    assert torch.jit.trace is original
    assert not torch_tvm_core.is_enabled()


def test_pytorchs_trace_checker_runs_the_plain_trace_so_strict_mode_names_the_op() -> None:
    def scaled_tanh_of_relu(x: torch.Tensor) -> torch.Tensor:
        return torch.ops.tvmtest.scaled_tanh(torch.relu(x) + 1, 2.0) * 3

    x = torch.randn(4, 4)
    torch_tvm_core.enable(strict=True)

    traced = torch.jit.trace(scaled_tanh_of_relu, (x,))

    with pytest.raises(torch_tvm_core.UnsupportedOperatorError, match="scaled_tanh"):
        traced(x)


def test_a_trace_while_enabled_compiles_once() -> None:
    def gelu_ish(x: torch.Tensor) -> torch.Tensor:
        return x * torch.sigmoid(1.702 * x)

    x = torch.randn(4, 8)
    torch_tvm_core.enable()

    traced = torch.jit.trace(gelu_ish, (x,), check_trace=True)
    traced(x)
    traced(x)

    report = torch_tvm_core.explain(traced)
    assert report.cache_misses == 1
    assert report.plans == 1


def test_the_trace_checker_inside_an_enabled_trace_gets_a_plain_torchscript_module() -> None:
    seen = []
    original_check = torch.jit._trace._check_trace

    def recording_check(*args, **kwargs):
        seen.append(torch.jit.trace(lambda t: t + 1, (torch.ones(2),), check_trace=False))
        return original_check(*args, **kwargs)

    torch_tvm_core.enable()
    torch.jit._trace._check_trace = recording_check
    try:
        torch.jit.trace(lambda t: t * 2, (torch.ones(2),), check_trace=True)
    finally:
        torch.jit._trace._check_trace = original_check

    assert seen and all(isinstance(module, torch.jit.ScriptFunction) for module in seen)
