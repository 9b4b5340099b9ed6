"""Operators TVM's importer once got wrong either give eager's results on TVM or fall back."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

import torch_tvm_core


class Lambda(torch.nn.Module):
    def __init__(self, fn) -> None:
        super().__init__()
        self.fn = fn

    def forward(self, *args):
        return self.fn(*args)


def compiled_and_report(fn, *inputs: torch.Tensor):
    compiled = torch_tvm_core.compile(Lambda(fn), inputs, min_subgraph_size=1, cache_dir=None)
    return compiled, torch_tvm_core.explain(compiled)


def test_selu_keeps_its_scale_and_alpha_on_tvm() -> None:
    x = torch.linspace(-3, 3, 40).reshape(4, 10)

    compiled, report = compiled_and_report(F.selu, x)

    torch.testing.assert_close(compiled(x), F.selu(x))
    assert report.ops_in_tvm == {"aten.elu.default": 1}


def test_elu_with_alpha_runs_on_tvm_like_eager() -> None:
    x = torch.linspace(-3, 3, 40)

    compiled, report = compiled_and_report(lambda t: F.elu(t, alpha=0.3), x)

    torch.testing.assert_close(compiled(x), F.elu(x, alpha=0.3))
    assert report.tvm_op_share == 1.0


@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
@pytest.mark.parametrize("align_corners", [False, True])
def test_grid_sample_over_an_affine_grid_has_eagers_shape_and_values(mode, align_corners) -> None:
    image = torch.randn(1, 3, 5, 6)
    theta = torch.tensor([[[0.9, -0.2, 0.1], [0.3, 0.8, -0.1]]])

    def sample(x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        grid = F.affine_grid(t, [1, 3, 4, 7], align_corners=align_corners)
        return F.grid_sample(x, grid, mode=mode, align_corners=align_corners)

    compiled, report = compiled_and_report(sample, image, theta)

    actual = compiled(image, theta)
    assert actual.shape == (1, 3, 4, 7)
    torch.testing.assert_close(actual, sample(image, theta), atol=1e-5, rtol=1e-5)
    assert "aten.grid_sampler_2d.default" in report.ops_in_tvm


def test_dropout_in_training_mode_drops_in_pytorch() -> None:
    x = torch.ones(1000)

    compiled, report = compiled_and_report(lambda t: F.dropout(t, 0.5, training=True) * 2, x)

    out = compiled(x)
    assert 0.3 < (out == 0).float().mean() < 0.7
    assert set(out.unique().tolist()) <= {0.0, 4.0}
    assert report.ops_fallback == {"aten.native_dropout.default": 1}


def test_dropout_in_eval_mode_is_left_out_and_the_rest_runs_on_tvm() -> None:
    model = torch.nn.Sequential(torch.nn.Linear(8, 8), torch.nn.Dropout(0.5)).eval()
    x = torch.randn(2, 8)

    compiled = torch_tvm_core.compile(model, (x,), min_subgraph_size=1, cache_dir=None)

    torch.testing.assert_close(compiled(x), model(x))
    assert torch_tvm_core.explain(compiled).tvm_op_share == 1.0


def test_float64_convolution_runs_in_pytorch_and_keeps_its_dtype() -> None:
    conv = torch.nn.Conv1d(3, 4, 3).double().eval()
    x = torch.randn(1, 3, 10, dtype=torch.float64)

    compiled = torch_tvm_core.compile(
        Lambda(lambda t: torch.relu(conv(t))), (x,), min_subgraph_size=1, cache_dir=None
    )

    out = compiled(x)
    assert out.dtype == torch.float64
    torch.testing.assert_close(out, torch.relu(conv(x)))
    assert torch_tvm_core.explain(compiled).ops_fallback == {"aten.convolution.default": 1}


def test_conv1d_in_float32_runs_on_tvm() -> None:
    model = torch.nn.Sequential(torch.nn.Conv1d(4, 6, 3, stride=2, padding=1), torch.nn.ReLU())
    x = torch.randn(2, 4, 16)

    compiled = torch_tvm_core.compile(model.eval(), (x,), cache_dir=None)

    torch.testing.assert_close(compiled(x), model(x), atol=1e-5, rtol=1e-5)
    assert torch_tvm_core.explain(compiled).ops_in_tvm == {
        "aten.convolution.default": 1,
        "aten.relu.default": 1,
    }
