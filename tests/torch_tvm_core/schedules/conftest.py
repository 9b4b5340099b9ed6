"""Run a torch model through the CPU pipeline and compare it with eager."""

from __future__ import annotations

from collections.abc import Callable

import numpy
import pytest
import torch
import tvm
from tvm import relax

from torch_tvm_core import capture, lower, pipeline

# fp32 convs sum up to a few thousand products in another order than oneDNN does.
TOLERANCE = 1e-4


def run_on_tvm(
    model: torch.nn.Module, inputs: tuple, tuning_db=False, threads: int = 2, target: dict | None = None
):
    module = lower.relax_module(capture.export_program(model, inputs))
    executable = pipeline.build(
        module,
        tvm.target.Target(target) if target else pipeline.default_target(threads),
        opt_level=3,
        tuning_db=tuning_db,
    )
    vm = relax.VirtualMachine(executable, tvm.cpu())
    result = vm["main"](*(tvm.runtime.tensor(x.numpy()) for x in inputs))
    return result[0].numpy()


def assert_matches_eager(
    model: torch.nn.Module, inputs: tuple, tuning_db=False, target: dict | None = None
) -> None:
    """target: a TVM target dict; None for this CPU."""
    model = model.eval()
    with torch.no_grad():
        expected = model(*inputs).numpy()
    actual = run_on_tvm(model, inputs, tuning_db, target=target)
    scale = max(1.0, float(numpy.abs(expected).max()))
    numpy.testing.assert_allclose(actual, expected, atol=TOLERANCE * scale, rtol=TOLERANCE)


@pytest.fixture
def matches_eager() -> Callable[..., None]:
    return assert_matches_eager
