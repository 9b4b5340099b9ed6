"""What the graph rewrites of the conv layouts read from a Relax function: each variable's
value and users, NCHW convs with constant weights, and the per-channel ops between convs
(bias, scale, ReLU) that keep the channels where they are; and a conv built like another."""

from __future__ import annotations

import tvm
from tvm import relax
from tvm.ir import GenericConst

PER_CHANNEL_OPS = ("relax.add", "relax.multiply")


def is_nchw_conv(call: object) -> bool:
    return (
        isinstance(call, relax.Call)
        and isinstance(call.op, tvm.ir.Op)
        and call.op.name == "relax.nn.conv2d"
        and isinstance(call.args[1], GenericConst)
        and (call.attrs.data_layout, call.attrs.kernel_layout, call.attrs.out_layout)
        == ("NCHW", "OIHW", "NCHW")
    )


def is_dense_conv(call: object) -> bool:
    return is_nchw_conv(call) and int(call.attrs.groups) == 1


def nchw_conv_like(
    conv: relax.Call, data: relax.Expr, weights: relax.Expr, groups: int, out_layout: str = "NCHW"
) -> relax.Call:
    """An NCHW/OIHW conv with `conv`'s strides, padding, dilation and output type."""
    attrs = conv.attrs
    return relax.op.nn.conv2d(
        data,
        weights,
        strides=attrs.strides,
        padding=attrs.padding,
        dilation=attrs.dilation,
        groups=groups,
        data_layout="NCHW",
        kernel_layout="OIHW",
        out_layout=out_layout,
        out_dtype=attrs.out_dtype,
    )


def per_channel_constant(call: relax.Call) -> GenericConst | None:
    """The constant of a per-channel add or multiply whose other operand is its first."""
    if not (isinstance(call.op, tvm.ir.Op) and call.op.name in PER_CHANNEL_OPS):
        return None
    constant = call.args[1]
    if not isinstance(constant, GenericConst):
        return None
    shape = tuple(int(d) for d in constant.value.shape)
    if len(shape) == 4 and shape[0] == shape[2] == shape[3] == 1 or not any(d > 1 for d in shape):
        return constant
    return None


def channel_preserving(call: object) -> bool:
    if not isinstance(call, relax.Call) or not isinstance(call.op, tvm.ir.Op):
        return False
    return call.op.name == "relax.nn.relu" or per_channel_constant(call) is not None


class DataflowGraph:
    """Each variable's bound value and its users in one function."""

    def __init__(self, func: relax.Function) -> None:
        self.value: dict = {}
        self.users: dict = {}
        for block in func.body.blocks:
            for binding in block.bindings:
                if isinstance(binding, relax.VarBinding):
                    self.value[binding.var] = binding.value
                    for var in vars_in(binding.value):
                        self.users.setdefault(var, []).append(binding.var)
        for var in vars_in(func.body.body):
            self.users.setdefault(var, []).append(None)

    def only_user(self, var: relax.Var) -> relax.Var | None:
        users = self.users.get(var, [])
        return users[0] if len(users) == 1 else None


def vars_in(expr: relax.Expr) -> list[relax.Var]:
    if isinstance(expr, relax.Var):
        return [expr]
    if isinstance(expr, relax.Call):
        return [v for arg in expr.args for v in vars_in(arg)]
    if isinstance(expr, relax.Tuple):
        return [v for field in expr.fields for v in vars_in(field)]
    if isinstance(expr, relax.TupleGetItem):
        return vars_in(expr.tuple_value)
    return []
