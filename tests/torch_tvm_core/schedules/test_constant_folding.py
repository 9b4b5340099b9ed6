"""Constant-only calls are folded in numpy, exactly as TVM's FoldConstant would fold them."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy
import pytest
import torch
import tvm
from torch import nn
from tvm import relax, tirx

from torch_tvm_core import capture, lower, pipeline
from torch_tvm_core.schedules.constant_folding import fold_constants_in_numpy

Emit = Callable[[relax.BlockBuilder], relax.Expr]


def _module(emit: Emit) -> tvm.IRModule:
    """A module whose main returns what `emit` computes; one unused tensor parameter keeps it
    a function of something that is not constant."""
    bb = relax.BlockBuilder()
    x = relax.Var("x", relax.TensorType((2, 2), "float32"))
    with bb.function("main", [x]):
        with bb.dataflow():
            out = bb.emit_output(emit(bb))
        bb.emit_func_output(out)
    return bb.get()


def _returned(mod: tvm.IRModule) -> relax.Expr:
    return mod["main"].body.body


def _const(shape: tuple[int, ...], dtype: str = "float32") -> relax.Expr:
    return relax.const(numpy.random.default_rng(0).uniform(0.5, 2.0, shape).astype(dtype))


def _folded_by_numpy_and_by_tvm(emit: Emit) -> tuple[numpy.ndarray, numpy.ndarray]:
    mod = _module(emit)
    ours = _returned(fold_constants_in_numpy(mod))
    theirs = _returned(relax.transform.FoldConstant()(mod))
    assert isinstance(ours, tvm.ir.GenericConst), "numpy folding left a call"
    assert isinstance(theirs, tvm.ir.GenericConst), "FoldConstant left a call"
    return ours.value.numpy(), theirs.value.numpy()


def _calls_left(mod: tvm.IRModule) -> list[str]:
    names: list[str] = []

    def visit(expr: relax.Expr) -> None:
        if isinstance(expr, relax.Call) and isinstance(expr.op, tvm.ir.Op):
            names.append(expr.op.name)

    relax.analysis.post_order_visit(mod["main"], visit)
    return names


@pytest.fixture
def kernels_built_by_fold_constant() -> Iterator[list[str]]:
    """Counts the TIR kernels FoldConstant compiles to evaluate constants (it names each one
    `tir_function` before handing it to `tirx.build`)."""
    build = tvm.get_global_func("tirx.build")
    built: list[str] = []

    def counting(func: tirx.PrimFunc, target: tvm.target.Target):
        if func.attrs is not None and str(func.attrs.get("global_symbol", "")) == "tir_function":
            built.append(func.script())
        return build(func, target)

    tvm.register_global_func("tirx.build", counting, override=True)
    try:
        yield built
    finally:
        tvm.register_global_func("tirx.build", build, override=True)


def test_given_convert_layouts_weight_map_when_folded_then_it_equals_fold_constant():
    weight = _const((32, 48, 3, 3))

    def emit(bb: relax.BlockBuilder) -> relax.Expr:
        return relax.op.layout_transform(
            weight, lambda o, i, h, w: (o // 16, i // 16, h, w, i % 16, o % 16)
        )

    ours, theirs = _folded_by_numpy_and_by_tvm(emit)

    assert ours.shape == (2, 3, 3, 3, 16, 16)
    numpy.testing.assert_array_equal(ours, theirs)


def test_given_batch_norm_folding_arithmetic_when_folded_then_it_broadcasts_like_tvm():
    weight, variance, gamma = _const((8, 4, 3, 3)), _const((8,)), _const((8,))

    def emit(bb: relax.BlockBuilder) -> relax.Expr:
        epsilon = relax.prim_value(tirx.FloatImm("float32", 1e-5))
        scale = relax.op.divide(gamma, relax.op.sqrt(relax.op.add(variance, epsilon)))
        scaled = relax.op.multiply(weight, relax.op.reshape(scale, (8, 1, 1, 1)))
        return relax.op.subtract(relax.op.negative(scaled), relax.op.rsqrt(_const((1, 3))))

    ours, theirs = _folded_by_numpy_and_by_tvm(emit)

    assert ours.dtype == numpy.float32
    numpy.testing.assert_array_equal(ours, theirs)


def test_given_shape_ops_and_casts_when_folded_then_they_equal_fold_constant():
    linear = _const((10, 6))

    def emit(bb: relax.BlockBuilder) -> relax.Expr:
        transposed = relax.op.permute_dims(linear)
        expanded = relax.op.expand_dims(transposed, axis=[0, 3])
        squeezed = relax.op.squeeze(expanded, axis=[0])
        return relax.op.astype(squeezed, "float16")

    ours, theirs = _folded_by_numpy_and_by_tvm(emit)

    assert ours.shape == (6, 10, 1) and ours.dtype == numpy.float16
    numpy.testing.assert_array_equal(ours, theirs)


def test_given_a_float16_scalar_when_added_then_the_result_stays_float16():
    def emit(bb: relax.BlockBuilder) -> relax.Expr:
        scalar = relax.prim_value(tirx.FloatImm("float16", 0.1))
        return relax.op.add(_const((4,), "float16"), scalar)

    ours, theirs = _folded_by_numpy_and_by_tvm(emit)

    assert ours.dtype == numpy.float16
    numpy.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize(
    "index_map",
    [
        pytest.param(lambda n, c, h, w, b: (n, c * 16 + b, h, w), id="merge-of-blocks"),
        pytest.param(lambda n, c, h, w, b: (n, c // 3, h, w, b, c % 3), id="split-needing-pad"),
        pytest.param(lambda n, c, h, w, b: (n, c // 2, h, w, b, c % 4), id="mismatched-split"),
    ],
)
def test_given_a_layout_map_it_cannot_reshape_when_folded_then_the_call_is_left(index_map):
    mod = _module(lambda bb: relax.op.layout_transform(_const((1, 2, 3, 3, 16)), index_map))

    folded = fold_constants_in_numpy(mod)

    assert _calls_left(folded) == ["relax.layout_transform"]


def test_given_a_layout_map_with_a_pad_value_when_folded_then_the_call_is_left():
    mod = _module(
        lambda bb: relax.op.layout_transform(
            _const((4, 32)), lambda i, j: (i, j // 16, j % 16), pad_value=0.0
        )
    )

    assert _calls_left(fold_constants_in_numpy(mod)) == ["relax.layout_transform"]


def test_given_integer_division_when_folded_then_it_is_left_for_fold_constant():
    mod = _module(lambda bb: relax.op.divide(_const((4,), "int32"), relax.const(3, "int32")))

    assert _calls_left(fold_constants_in_numpy(mod)) == ["relax.divide"]


def test_given_an_op_it_does_not_know_when_folded_then_the_call_is_left():
    mod = _module(lambda bb: relax.op.exp(_const((4,))))

    assert _calls_left(fold_constants_in_numpy(mod)) == ["relax.exp"]


def test_given_a_call_on_a_parameter_when_folded_then_only_the_constant_operand_is_folded():
    bb = relax.BlockBuilder()
    x = relax.Var("x", relax.TensorType((4, 8), "float32"))
    with bb.function("main", [x]):
        with bb.dataflow():
            scale = bb.emit(relax.op.sqrt(_const((8,))))
            out = bb.emit_output(relax.op.multiply(x, scale))
        bb.emit_func_output(out)

    folded = fold_constants_in_numpy(bb.get())

    assert _calls_left(folded) == ["relax.multiply"]


def _conv_bn_model() -> nn.Module:
    def batch_norm(channels: int) -> nn.BatchNorm2d:
        norm = nn.BatchNorm2d(channels)
        norm.running_mean.uniform_(-1.0, 1.0)
        norm.running_var.uniform_(0.5, 2.0)
        norm.weight.data.uniform_(0.5, 1.5)
        norm.bias.data.uniform_(-0.5, 0.5)
        return norm

    # 3 input channels fit no SIMD block (the legalizer packs that kernel); 16 do (ConvertLayout
    # blocks the weight); the Linear's weight is transposed.
    return nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1), batch_norm(16), nn.ReLU(),
        nn.Conv2d(16, 32, 3, bias=False), batch_norm(32), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, 10),
    ).eval()


def test_given_a_conv_bn_model_when_lowered_then_fold_constant_builds_no_kernel(
    kernels_built_by_fold_constant,
):
    model, inputs = _conv_bn_model(), (torch.randn(1, 3, 16, 16),)
    module = lower.relax_module(capture.export_program(model, inputs))
    target = pipeline.default_target(2)

    with target, tvm.transform.PassContext(opt_level=3):
        pipeline.lower_to_kernels(module, target)

    assert kernels_built_by_fold_constant == []


def test_given_a_conv_bn_model_when_compiled_then_it_matches_eager(matches_eager):
    matches_eager(_conv_bn_model(), (torch.randn(2, 3, 16, 16),))


def test_given_a_0_dim_constant_result_when_folded_then_it_stays_0_dim():
    ours, theirs = _folded_by_numpy_and_by_tvm(
        lambda bb: relax.op.multiply(_const(()), _const(()))
    )

    assert ours.shape == theirs.shape == ()
    numpy.testing.assert_array_equal(ours, theirs)


def test_given_a_0_dim_float32_constant_cast_to_float64_when_folded_then_it_is_float64():
    ours, theirs = _folded_by_numpy_and_by_tvm(
        lambda bb: relax.op.astype(_const(()), "float64")
    )

    assert ours.dtype == theirs.dtype == numpy.float64
