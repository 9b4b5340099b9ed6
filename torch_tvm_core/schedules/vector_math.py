"""exp, sigmoid, SiLU and softmax on float32 written out so that they vectorize.

TVM leaves exp to LLVM's intrinsic, which the x86 back end turns into one libm call per
element: an EfficientNet conv with a SiLU epilogue spent most of its time there. Here exp is
the Cephes single-precision algorithm written as TIR arithmetic: x = n ln2 + r with
|r| <= ln2/2, a degree-6 polynomial for e^r, and 2^n built in the exponent bits (in two
halves, so that results down to the smallest subnormal come out right). Overflow gives inf,
NaN stays NaN, and the result is within 2 ulp of the float64 one (tested).
"""

from __future__ import annotations

from collections.abc import Callable

from tvm import relax, te, tirx
from tvm.ir import Op

LOG2E = 1.44269504088896341
# ln 2 split in two so that n * LN2_HIGH is exact for the n that occur.
LN2_HIGH = 0.693359375
LN2_LOW = -2.12194440e-4
POLYNOMIAL = (1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1)
# Beyond these e^x is inf, or below half the smallest subnormal float32.
OVERFLOW = 88.72283935546875
UNDERFLOW = -103.97208404541016


def _f32(value: float) -> tirx.PrimExpr:
    return tirx.const(value, "float32")


def _power_of_two(exponent: tirx.PrimExpr) -> tirx.PrimExpr:
    """2^exponent for an int32 exponent in [-126, 127], from the float's bits."""
    return tirx.reinterpret("float32", (exponent + 127) << 23)


def exp_f32(x: tirx.PrimExpr) -> tirx.PrimExpr:
    # Let-bound so that each intermediate is one node however often it is used: the
    # expression is inlined into every epilogue, and a tree would repeat x dozens of times.
    clamped = tirx.Var("exp_clamped", "float32")
    n = tirx.Var("exp_n", "float32")
    r = tirx.Var("exp_r", "float32")
    polynomial = _f32(POLYNOMIAL[0])
    for coefficient in POLYNOMIAL[1:]:
        polynomial = polynomial * r + _f32(coefficient)
    whole = n.astype("int32")
    half = whole // 2
    value = (polynomial * r * r + r + _f32(1.0)) * _power_of_two(half) * _power_of_two(whole - half)
    value = tirx.Select(clamped >= _f32(OVERFLOW), _f32(float("inf")), value)
    value = tirx.Select(clamped <= _f32(UNDERFLOW), _f32(0.0), value)
    # Tested on the bits: x != x would be folded away under the fast-math flags of the code generator.
    is_nan = (tirx.reinterpret("int32", x) & 0x7FFFFFFF) > 0x7F800000
    value = tirx.Select(is_nan, x, value)
    value = tirx.Let(r, clamped - n * _f32(LN2_HIGH) - n * _f32(LN2_LOW), value)
    value = tirx.Let(n, tirx.floor(clamped * _f32(LOG2E) + _f32(0.5)), value)
    return tirx.Let(clamped, tirx.max(tirx.min(x, _f32(OVERFLOW)), _f32(UNDERFLOW)), value)


def sigmoid_f32(x: tirx.PrimExpr) -> tirx.PrimExpr:
    return _f32(1.0) / (_f32(1.0) + exp_f32(-x))


def softmax_f32(x: te.Tensor, axis: int) -> te.Tensor:
    axis = axis % len(x.shape)

    def reduced(indices: tuple, reduction: tirx.IterVar) -> tuple:
        return (*indices[:axis], reduction, *indices[axis:])

    shape = [d for i, d in enumerate(x.shape) if i != axis]
    k = te.reduce_axis((0, x.shape[axis]), name="k")
    largest = te.compute(shape, lambda *i: te.max(x[reduced(i, k)], axis=k), name="softmax_max")
    exps = te.compute(
        x.shape,
        lambda *i: exp_f32(x(*i) - largest(*i[:axis], *i[axis + 1:])),
        name="softmax_exp",
    )
    k2 = te.reduce_axis((0, x.shape[axis]), name="k2")
    total = te.compute(shape, lambda *i: te.sum(exps[reduced(i, k2)], axis=k2), name="softmax_sum")
    return te.compute(
        x.shape, lambda *i: exps(*i) / total(*i[:axis], *i[axis + 1:]), name="softmax_norm"
    )


def silu_f32(x: tirx.PrimExpr) -> tirx.PrimExpr:
    return x * sigmoid_f32(x)


ELEMENTWISE: dict[str, Callable[[tirx.PrimExpr], tirx.PrimExpr]] = {
    "relax.exp": exp_f32,
    "relax.sigmoid": sigmoid_f32,
    "relax.nn.silu": silu_f32,
}
SOFTMAX = "relax.nn.softmax"


def make_legalizer(op_name: str) -> Callable[[relax.BlockBuilder, relax.Call], relax.Expr]:
    """A LegalizeOps function for `op_name`: the vectorizable form on float32, TVM's otherwise."""
    default = Op.get(op_name).get_attr("FLegalize")
    name = op_name.rsplit(".", 1)[1]

    def legalize(bb: relax.BlockBuilder, call: relax.Call) -> relax.Expr:
        data = call.args[0]
        if getattr(data.ty, "dtype", None) != "float32":
            return default(bb, call)
        if op_name == SOFTMAX:
            return bb.call_te(softmax_f32, data, int(call.attrs.axis), primfunc_name_hint=name)
        function = ELEMENTWISE[op_name]
        return bb.call_te(
            lambda x: te.compute(x.shape, lambda *i: function(x(*i)), name=name), data, primfunc_name_hint=name
        )

    return legalize


def legalizers() -> dict[str, Callable[[relax.BlockBuilder, relax.Call], relax.Expr]]:
    return {op_name: make_legalizer(op_name) for op_name in (*ELEMENTWISE, SOFTMAX)}
