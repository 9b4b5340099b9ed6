"""exp, sigmoid, SiLU and softmax in vectorizable float32 form: as exact as libm, same special values."""

from __future__ import annotations

import numpy
import pytest
import torch
import tvm
from torch import nn
from tvm import te

from torch_tvm_core import capture, lower, pipeline
from torch_tvm_core.schedules.vector_math import exp_f32, sigmoid_f32

SPECIAL = numpy.array([numpy.nan, numpy.inf, -numpy.inf, 0.0, -0.0, 88.72, 88.73, -87.5, -103.9, -104.0], "float32")


def evaluate(function, values: numpy.ndarray) -> numpy.ndarray:
    x = te.placeholder(values.shape, name="x")
    y = te.compute(values.shape, lambda i: function(x[i]), name="y")
    built = tvm.compile(te.create_prim_func([x, y]), target=pipeline.default_target(1))
    result = tvm.runtime.tensor(numpy.empty_like(values))
    built(tvm.runtime.tensor(values), result)
    return result.numpy()


def test_given_float32_inputs_over_the_whole_range_when_exp_is_taken_then_it_is_within_two_ulp():
    values = numpy.linspace(-103.9, 88.7, 200_003, dtype="float32")
    expected = numpy.exp(values.astype("float64"))
    actual = evaluate(exp_f32, values)
    spacing = numpy.spacing(expected.astype("float32")).astype("float64")
    assert (numpy.abs(actual - expected) / spacing).max() <= 2.0


def test_given_special_values_when_exp_is_taken_then_nan_inf_and_underflow_are_those_of_numpy():
    with numpy.errstate(over="ignore"):
        expected = numpy.exp(SPECIAL.astype("float64")).astype("float32")
    numpy.testing.assert_allclose(evaluate(exp_f32, SPECIAL), expected, rtol=2.5e-7, atol=0.0)


def test_given_special_values_when_sigmoid_is_taken_then_it_saturates_and_keeps_nan():
    actual = evaluate(sigmoid_f32, SPECIAL)
    with numpy.errstate(over="ignore"):
        expected = (1.0 / (1.0 + numpy.exp(-SPECIAL.astype("float64")))).astype("float32")
    numpy.testing.assert_allclose(actual, expected, rtol=1e-6, atol=1e-38)


class Activations(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(nn.functional.silu(x) + torch.sigmoid(x) * torch.exp(x / 4), dim=-1)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_given_a_model_of_exp_sigmoid_silu_and_softmax_when_compiled_then_it_matches_eager(matches_eager, dtype):
    torch.manual_seed(0)
    matches_eager(Activations(), (torch.randn(3, 40, 37, dtype=dtype) * 8,))


def test_given_a_float32_model_when_lowered_then_its_activations_use_the_vectorizable_kernels():
    module = lower.relax_module(capture.export_program(Activations(), (torch.randn(2, 8),)))
    target = pipeline.default_target(1)
    with target, tvm.transform.PassContext(opt_level=3):
        lowered = pipeline.lower_to_kernels(module, target)
    script = lowered.script()
    assert "T.exp(" not in script and "T.sigmoid(" not in script
