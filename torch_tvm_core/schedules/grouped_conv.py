"""Grouped convs with fewer channels per group than a SIMD vector, widened to one group per
vector of channels.

ResNeXt's 32 groups of 4 or 8 channels fit no channel block: such convs ran through the
generic loop schedule at 10-20 GFLOP/s while the blocked conv reaches 150-180. Regrouping the
channels into groups of one SIMD width (the weights block-diagonal inside each group, zero
between the original groups) does lanes/cpg times the multiplications, but in the register-
tiled blocked conv: on resnext50_32x4d (Intel Xeon, AVX-512, one thread) the grouped convs of
its first two stages took 16 ms of the model's 77 ms before. Only up to MAX_REDUNDANCY times
the work: depthwise convs keep their own schedule.
"""

from __future__ import annotations

import numpy
import tvm
from tvm import relax
from tvm.relax.dpl import is_const, is_op, rewrite_call, wildcard


def widened_weights(weights: numpy.ndarray, groups: int, lanes: int) -> numpy.ndarray:
    """[OC, cpg, KH, KW] in `groups` groups -> [OC, lanes, KH, KW] in OC/lanes groups: output
    channel o reads input channel c of its vector block where both are in one old group."""
    out_channels, per_group = weights.shape[:2]
    outputs = numpy.arange(out_channels)[:, None]
    inputs = outputs // lanes * lanes + numpy.arange(lanes)[None, :]
    same_group = inputs // per_group == outputs // per_group
    widened = numpy.zeros((out_channels, lanes, *weights.shape[2:]), dtype=weights.dtype)
    rows = numpy.broadcast_to(outputs, inputs.shape)
    widened[same_group] = weights[rows, inputs % per_group][same_group]
    return widened


# The most multiplications a widened conv may do per one it needs. Depthwise convs (one channel
# per group: 16x on AVX-512) ran mobilenet_v2 22% slower widened than in the generic schedule.
MAX_REDUNDANCY = 4


def widens(weight_shape: tuple[int, ...], groups: int, lanes: int) -> bool:
    out_channels, per_group = weight_shape[:2]
    return (
        groups > 1
        and out_channels == per_group * groups
        and per_group < lanes
        and lanes % per_group == 0
        and lanes // per_group <= MAX_REDUNDANCY
        and out_channels % lanes == 0
    )


def widen_small_groups(lanes: int) -> tvm.transform.Pass:
    """The module pass that regroups NCHW/OIHW float32 convs with constant weights."""
    data, weight = wildcard(), is_const()
    pattern = is_op("relax.nn.conv2d")(data, weight)

    def rewrite(expr: relax.Expr, matches: dict) -> relax.Expr:
        attrs = expr.attrs
        constant = matches[weight]
        groups = int(attrs.groups)
        layouts = (attrs.data_layout, attrs.kernel_layout, attrs.out_layout)
        if layouts != ("NCHW", "OIHW", "NCHW") or attrs.out_dtype not in ("", "float32"):
            return expr
        if str(constant.value.dtype) != "float32":
            return expr
        if not widens(tuple(constant.value.shape), groups, lanes):
            return expr
        weights = widened_weights(constant.value.numpy(), groups, lanes)
        return relax.op.nn.conv2d(
            matches[data],
            relax.const(weights),
            strides=attrs.strides,
            padding=attrs.padding,
            dilation=attrs.dilation,
            groups=weights.shape[0] // lanes,
            data_layout="NCHW",
            kernel_layout="OIHW",
            out_layout="NCHW",
            out_dtype=attrs.out_dtype,
        )

    @tvm.transform.module_pass(opt_level=0, name="WidenSmallGroups")
    def widen(mod: tvm.IRModule, _ctx: tvm.transform.PassContext) -> tvm.IRModule:
        for gvar, func in list(mod.functions_items()):
            if isinstance(func, relax.Function):
                mod[gvar] = rewrite_call(pattern, rewrite, func)
        return mod

    return widen
