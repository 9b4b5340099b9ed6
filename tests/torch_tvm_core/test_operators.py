"""Each operator family, on randomized shapes, gives eager's results while running on TVM.

In the spirit of torch_tvm's test_operators.py: one small model per operator, shapes
drawn by hypothesis, and the check that the operator really ran in TVM.
"""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import torch_tvm_core

# The fixtures these tests use hold no per-example state, so sharing them across
# hypothesis examples is safe.
few_examples = settings(
    max_examples=3,
    deadline=None,
    derandomize=True,
    # Every example compiles with TVM; shrinking a failure would cost minutes.
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
dims = st.integers(min_value=1, max_value=6)
channels = st.integers(min_value=1, max_value=8)
spatial = st.integers(min_value=5, max_value=12)


class Lambda(torch.nn.Module):
    def __init__(self, fn) -> None:
        super().__init__()
        self.fn = fn

    def forward(self, *args):
        return self.fn(*args)


def assert_all_in_tvm(compiled: torch_tvm_core.CompiledModel) -> None:
    report = torch_tvm_core.explain(compiled)
    assert report.ops_fallback == {}, report.ops_fallback
    assert report.tvm_op_share == 1.0


@few_examples
@given(shape=st.lists(dims, min_size=1, max_size=4))
def test_add_and_mul_broadcast_like_eager(shape, compile_and_compare) -> None:
    a, b = torch.randn(shape), torch.randn(shape[-1:])
    compiled = compile_and_compare(Lambda(lambda x, y: x * y + x), (a, b))
    assert_all_in_tvm(compiled)


@few_examples
@given(
    batch=st.integers(1, 2),
    in_channels=channels,
    out_channels=channels,
    length=st.integers(8, 20),
    kernel=st.integers(1, 3),
    stride=st.integers(1, 2),
    padding=st.integers(0, 1),
    dilation=st.integers(1, 2),
)
def test_conv1d_matches_eager(
    batch, in_channels, out_channels, length, kernel, stride, padding, dilation, compile_and_compare
) -> None:
    conv = torch.nn.Conv1d(in_channels, out_channels, kernel, stride, padding, dilation).eval()
    compiled = compile_and_compare(conv, (torch.randn(batch, in_channels, length),), atol=1e-4)
    assert_all_in_tvm(compiled)


@few_examples
@given(
    groups=st.integers(1, 3),
    per_group_in=st.integers(1, 3),
    per_group_out=st.integers(1, 3),
    size=spatial,
    kernel=st.integers(1, 3),
    stride=st.integers(1, 2),
    padding=st.integers(0, 1),
    dilation=st.integers(1, 2),
)
def test_conv2d_with_stride_padding_dilation_groups_matches_eager(
    groups,
    per_group_in,
    per_group_out,
    size,
    kernel,
    stride,
    padding,
    dilation,
    compile_and_compare,
) -> None:
    conv = torch.nn.Conv2d(
        groups * per_group_in, groups * per_group_out, kernel, stride, padding, dilation, groups
    ).eval()
    x = torch.randn(1, groups * per_group_in, size, size)
    compiled = compile_and_compare(conv, (x,), atol=1e-4)
    assert_all_in_tvm(compiled)


@few_examples
@given(batch=st.integers(1, 3), features=channels, size=spatial)
def test_batch_norm_in_inference_matches_eager(batch, features, size, compile_and_compare) -> None:
    norm = torch.nn.BatchNorm2d(features).eval()
    norm.running_mean.uniform_(-1, 1)
    norm.running_var.uniform_(0.5, 2)
    norm.weight.data.uniform_(0.5, 2)
    compiled = compile_and_compare(norm, (torch.randn(batch, features, size, size),), atol=1e-4)
    assert_all_in_tvm(compiled)


@few_examples
@given(shape=st.lists(dims, min_size=1, max_size=4), low=st.floats(-2, 0), high=st.floats(0, 2))
def test_relu_and_clamp_match_eager(shape, low, high, compile_and_compare) -> None:
    model = Lambda(lambda x: torch.clamp(torch.relu(x) - 1, min=low, max=high))
    compiled = compile_and_compare(model, (torch.randn(shape) * 3,))
    assert_all_in_tvm(compiled)


@few_examples
@given(size=spatial, kernel=st.integers(2, 3), stride=st.integers(1, 2), padding=st.integers(0, 1))
def test_max_and_avg_pool_match_eager(size, kernel, stride, padding, compile_and_compare) -> None:
    model = Lambda(
        lambda x: (
            F.max_pool2d(x, kernel, stride, padding) + F.avg_pool2d(x, kernel, stride, padding)
        )
    )
    compiled = compile_and_compare(model, (torch.randn(1, 3, size, size),))
    assert_all_in_tvm(compiled)


@few_examples
@given(size=spatial, out_size=st.integers(1, 4))
def test_adaptive_avg_pool_matches_eager(size, out_size, compile_and_compare) -> None:
    model = Lambda(lambda x: F.adaptive_avg_pool2d(x, out_size))
    compiled = compile_and_compare(model, (torch.randn(2, 3, size, size),))
    assert_all_in_tvm(compiled)


@few_examples
@given(batch=st.integers(1, 4), in_features=st.integers(1, 32), out_features=st.integers(1, 32))
def test_linear_matches_eager(batch, in_features, out_features, compile_and_compare) -> None:
    linear = torch.nn.Linear(in_features, out_features).eval()
    compiled = compile_and_compare(linear, (torch.randn(batch, in_features),), atol=1e-4)
    assert_all_in_tvm(compiled)


@few_examples
@given(batch=st.integers(1, 3), shape=st.lists(dims, min_size=2, max_size=3))
def test_reshape_and_flatten_match_eager(batch, shape, compile_and_compare) -> None:
    model = Lambda(lambda x: torch.flatten(x, 1).reshape(-1, *shape[::-1]) * 2)
    compiled = compile_and_compare(model, (torch.randn(batch, *shape),))
    assert_all_in_tvm(compiled)


@few_examples
@given(shape=st.lists(dims, min_size=1, max_size=3), dim=st.integers(-1, 0))
def test_softmax_matches_eager(shape, dim, compile_and_compare) -> None:
    compiled = compile_and_compare(Lambda(lambda x: torch.softmax(x, dim)), (torch.randn(shape),))
    assert_all_in_tvm(compiled)


@few_examples
@given(batch=st.integers(1, 3), features=st.integers(2, 16))
def test_layer_norm_matches_eager(batch, features, compile_and_compare) -> None:
    norm = torch.nn.LayerNorm(features).eval()
    norm.weight.data.uniform_(0.5, 2)
    compiled = compile_and_compare(norm, (torch.randn(batch, 3, features),), atol=1e-4)
    assert_all_in_tvm(compiled)


@few_examples
@given(shape=st.lists(dims, min_size=2, max_size=3))
def test_max_over_a_dimension_and_elementwise_maximum_match_eager(
    shape, compile_and_compare
) -> None:
    model = Lambda(lambda x, y: torch.max(x, dim=-1).values + torch.maximum(x, y).sum(-1))
    compiled = compile_and_compare(model, (torch.randn(shape), torch.randn(shape)))
    assert_all_in_tvm(compiled)


@few_examples
@given(shape=st.lists(dims, min_size=1, max_size=3), dim=st.integers(0, 2))
def test_cat_matches_eager(shape, dim, compile_and_compare) -> None:
    dim = dim % len(shape)
    model = Lambda(lambda x, y: torch.cat([x, y * 2, x], dim=dim))
    compiled = compile_and_compare(model, (torch.randn(shape), torch.randn(shape)))
    assert_all_in_tvm(compiled)


@pytest.mark.parametrize("op", [torch.add, torch.mul, torch.sub])
def test_integer_tensors_compute_exactly_like_eager(op, compile_and_compare) -> None:
    a = torch.randint(-50, 50, (3, 4), dtype=torch.int32)
    b = torch.randint(-50, 50, (3, 4), dtype=torch.int32)
    compile_and_compare(Lambda(lambda x, y: op(op(x, y), x)), (a, b), atol=0, rtol=0)
