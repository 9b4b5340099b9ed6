"""to_relax() turns traced functions and TorchScript into one Relax IRModule."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import tvm
from tvm import relax

import torch_tvm_core
from tests.torch_tvm_core.models import ConvBlock, WithUnconvertedOps
from torch_tvm_core import pipeline


def run(module: tvm.IRModule, *inputs: torch.Tensor) -> torch.Tensor:
    executable = pipeline.build(module, pipeline.default_target(), opt_level=3, tuning_db=None)
    machine = relax.VirtualMachine(executable, tvm.cpu())
    [output] = machine["main"](*(tvm.runtime.tensor(x.numpy()) for x in inputs))
    return torch.from_numpy(np.asarray(output.numpy()))


def shifted_relu(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return torch.relu(x - y) * 2


@torch.jit.script
def scripted_shifted_relu(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return torch.relu(x - y) * 2


def test_a_plain_function_becomes_a_module_that_computes_the_same() -> None:
    x, y = torch.randn(3, 4), torch.randn(3, 4)

    module = torch_tvm_core.to_relax(shifted_relu, (x, y))

    assert isinstance(module, tvm.IRModule)
    torch.testing.assert_close(run(module, x, y), shifted_relu(x, y))


def test_a_scripted_function_becomes_a_module_that_computes_the_same() -> None:
    x, y = torch.randn(3, 4), torch.randn(3, 4)

    module = torch_tvm_core.to_relax(scripted_shifted_relu, (x, y))

    torch.testing.assert_close(run(module, x, y), shifted_relu(x, y))


def test_a_scripted_module_has_its_weights_bound_as_constants() -> None:
    model, x = ConvBlock().eval(), torch.randn(1, 3, 8, 8)

    module = torch_tvm_core.to_relax(torch.jit.script(model), (x,))

    assert len(module["main"].params) == 1
    torch.testing.assert_close(run(module, x), model(x), atol=1e-5, rtol=1e-5)


def test_a_traced_module_becomes_a_module_that_computes_the_same() -> None:
    model, x = ConvBlock().eval(), torch.randn(1, 3, 8, 8)

    module = torch_tvm_core.to_relax(torch.jit.trace(model, (x,)), (x,))

    torch.testing.assert_close(run(module, x), model(x), atol=1e-5, rtol=1e-5)


def test_a_program_with_unsupported_ops_is_refused_with_their_names() -> None:
    with pytest.raises(torch_tvm_core.UnsupportedOperatorError, match="special_bessel_j0"):
        torch_tvm_core.to_relax(WithUnconvertedOps().eval(), (torch.randn(1, 3, 8, 8),))


def test_a_module_traced_while_enabled_becomes_a_module_that_computes_the_same() -> None:
    model, x = ConvBlock().eval(), torch.randn(1, 3, 8, 8)
    torch_tvm_core.enable()
    try:
        traced = torch.jit.trace(model, (x,))
    finally:
        torch_tvm_core.disable()

    module = torch_tvm_core.to_relax(traced, (x,))

    torch.testing.assert_close(run(module, x), model(x), atol=1e-5, rtol=1e-5)
