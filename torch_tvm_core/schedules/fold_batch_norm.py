"""Fold inference batch norm into the weights and bias of the conv2d before it.

TVM's FoldBatchnormToConv2D only matches a conv directly followed by batch norm; torch convs
with `bias=True` put an add in between, so this pass matches both shapes. The new weights
and bias are relax expressions of constants, which FoldConstant evaluates at compile time.
"""

from __future__ import annotations

import tvm
from tvm import relax, tirx
from tvm.relax.dpl import TupleGetItemPattern, is_const, is_op, rewrite_call, wildcard


def _pattern(with_bias: bool):
    data, weight, bias = wildcard(), is_const(), is_const()
    conv = is_op("relax.nn.conv2d")(data, weight)
    producer = is_op("relax.add")(conv, bias) if with_bias else conv
    gamma, beta, mean, var = is_const(), is_const(), is_const(), is_const()
    norm = is_op("relax.nn.batch_norm")(producer, gamma, beta, mean, var)
    names = {"data": data, "weight": weight, "bias": bias, "conv": conv, "norm": norm}
    names |= {"gamma": gamma, "beta": beta, "mean": mean, "var": var}
    return TupleGetItemPattern(norm, 0), names


def _folder(names: dict, with_bias: bool):
    def rewrite(expr: relax.Expr, matches: dict) -> relax.Expr:
        conv = matches[names["conv"]]
        norm = matches[names["norm"]]
        if conv.attrs["kernel_layout"] != "OIHW" or conv.attrs["data_layout"] != "NCHW":
            return expr
        if int(norm.attrs["axis"]) != 1:
            return expr
        channels = int(matches[names["gamma"]].ty.shape[0])
        epsilon = relax.prim_value(tirx.FloatImm("float32", float(norm.attrs["epsilon"])))
        variance = relax.op.add(matches[names["var"]], epsilon)
        scale = relax.op.divide(matches[names["gamma"]], relax.op.sqrt(variance))
        weight = relax.op.multiply(
            matches[names["weight"]], relax.op.reshape(scale, (channels, 1, 1, 1))
        )
        shift = relax.op.negative(matches[names["mean"]])
        if with_bias:
            shift = relax.op.add(relax.op.reshape(matches[names["bias"]], (channels,)), shift)
        bias = relax.op.add(relax.op.multiply(shift, scale), matches[names["beta"]])
        folded = relax.Call(conv.op, (matches[names["data"]], weight), conv.attrs)
        return relax.op.add(folded, relax.op.reshape(bias, (1, channels, 1, 1)))

    return rewrite


@tvm.transform.module_pass(opt_level=0, name="FoldBatchNormIntoConv")
def fold_batch_norm_into_conv(mod: tvm.IRModule, _ctx: tvm.transform.PassContext) -> tvm.IRModule:
    for with_bias in (True, False):
        pattern, names = _pattern(with_bias)
        rewrite = _folder(names, with_bias)
        for gvar, func in list(mod.functions_items()):
            if isinstance(func, relax.Function):
                mod[gvar] = rewrite_call(pattern, rewrite, func)
    return mod
