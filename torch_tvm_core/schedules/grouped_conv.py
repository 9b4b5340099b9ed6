"""Grouped convs with fewer channels per group than a SIMD vector, regrouped to one group per
vector of channels.

ResNeXt's 32 groups of 4 or 8 channels fit no channel block: such convs ran through the
generic loop schedule at 10-20 GFLOP/s while the blocked conv reaches 150-180. Regrouping the
channels into groups of one SIMD width (the weights block-diagonal inside each group, zero
between the original groups) runs them as the register-tiled blocked conv: on resnext50_32x4d
(Intel Xeon, AVX-512, one thread) the grouped convs of its first two stages took 16 ms of the
model's 77 ms before. Widened so, a conv does lanes/cpg times the multiplications it needs.

Interleaving the channels of each vector instead (lane k * G + g holds channel k of group g)
puts every group on the same lanes of the vector as its outputs, so the conv multiplies only
within groups: input channel k of all G groups is one broadcast of G neighbours. The order is
taken into the weights of the convs on either side, so nothing is reordered at run time. Per
layer (AMD EPYC Zen 5, one thread) 2.7x faster than widened with 4 channels per group at 56x56,
1.8x with 8 at 28x28, 1.6x strided; ResNeXt-50 1.04x at one and two threads.
Only up to MAX_REDUNDANCY times the work: depthwise convs keep their own schedule.
"""

from __future__ import annotations

import numpy
import tvm
from tvm import relax

from torch_tvm_core.schedules.dataflow_graph import (
    DataflowGraph,
    channel_preserving,
    is_dense_conv,
    is_nchw_conv,
    nchw_conv_like,
    per_channel_constant,
)


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


def interleaved_order(channels: int, per_group: int, lanes: int) -> numpy.ndarray:
    """The channel at each position when every vector block is interleaved: position
    k * G + g of a block holds channel k of the block's group g (G = lanes / per_group groups
    per block). Lane g of every group of G lanes then belongs to group g."""
    spread = lanes // per_group
    position = numpy.arange(lanes)
    within = position % spread * per_group + position // spread
    return (numpy.arange(0, channels, lanes)[:, None] + within[None, :]).reshape(-1)


def interleaved_weights(weights: numpy.ndarray, groups: int, lanes: int) -> numpy.ndarray:
    """widened_weights with the output channels and each block's input channels in
    interleaved order: output position q reads input position p of its block only where
    p and q are congruent modulo the groups per block."""
    out_channels, per_group = weights.shape[:2]
    widened = widened_weights(weights, groups, lanes)
    order = interleaved_order(out_channels, per_group, lanes)
    return widened[order][:, order[:lanes]]


def interleave_of(weights: numpy.ndarray) -> int | None:
    """The groups per block G of packed grouped-conv weights [OC/b, 1, KH, KW, b, b] that are
    zero wherever input and output lanes differ modulo G (the largest such G below b), None
    where there is none. Only the lanes congruent to an output lane need to be read."""
    lanes = weights.shape[-1]
    if weights.shape[1] != 1 or weights.shape[-2] != lanes:
        return None
    lane = numpy.arange(lanes)
    for spread in range(lanes // 2, 1, -1):
        if lanes % spread:
            continue
        apart = lane[:, None] % spread != lane[None, :] % spread
        if not weights[..., apart].any():
            return spread
    return None


def pack_interleaved(weights: numpy.ndarray, spread: int) -> numpy.ndarray:
    """[OC/b, 1, KH, KW, b, b] -> [OC/b, 1, KH, KW, b/G, b]: for output lane o, the weights of
    input lanes k * G + o % G."""
    lanes = weights.shape[-1]
    inputs = numpy.arange(lanes // spread)[:, None] * spread + numpy.arange(lanes)[None, :] % spread
    outputs = numpy.broadcast_to(numpy.arange(lanes)[None, :], inputs.shape)
    return numpy.ascontiguousarray(weights[..., inputs, outputs])


def widen_small_groups(lanes: int) -> tvm.transform.Pass:
    """The module pass that regroups NCHW/OIHW float32 convs with constant weights.

    Where the conv's input comes from a conv through per-channel ops only (bias, ReLU) and
    its output goes the same way into another, the channels between the two are interleaved
    (interleaved_order, folded into those convs' weights and the constants between): the
    legalizer then reads only each lane's own group (conv2d.conv2d_blocked with `spread`), lanes /
    per_group times fewer multiplications than the widened conv. Elsewhere the conv is
    widened in place.
    """

    @tvm.transform.module_pass(opt_level=0, name="WidenSmallGroups")
    def widen(mod: tvm.IRModule, _ctx: tvm.transform.PassContext) -> tvm.IRModule:
        for gvar, func in list(mod.functions_items()):
            if isinstance(func, relax.Function):
                mod[gvar] = _Regroup(_plan(func, lanes), mod).visit_expr(func)
        return mod

    return widen


def _widenable(call: relax.Call, lanes: int) -> bool:
    if not is_nchw_conv(call):
        return False
    attrs = call.attrs
    weight = call.args[1]
    return (
        attrs.out_dtype in ("", "float32")
        and str(weight.value.dtype) == "float32"
        and widens(tuple(weight.value.shape), int(attrs.groups), lanes)
    )


def _plan(func: relax.Function, lanes: int) -> dict:
    """The new call for each rewritten binding, keyed by its variable."""
    graph = DataflowGraph(func)
    plan: dict = {}
    for var, call in graph.value.items():
        if var in plan or not _widenable(call, lanes):
            continue
        weights = call.args[1].value.numpy()
        groups = int(call.attrs.groups)
        order = interleaved_order(weights.shape[0], weights.shape[1], lanes)
        interleaved = _interleave_neighbours(graph, var, call, order)
        if interleaved is not None and not plan.keys() & interleaved.keys():
            plan |= interleaved
            plan[var] = _regrouped(call, interleaved_weights(weights, groups, lanes))
        else:
            plan[var] = _regrouped(call, widened_weights(weights, groups, lanes))
    return plan


def _interleave_neighbours(graph: DataflowGraph, var: relax.Var, call: relax.Call, order: numpy.ndarray) -> dict | None:
    """New calls that put the grouped conv's input and output in `order`: the conv producing
    its input permutes its output channels, the one consuming its output its input channels,
    and the per-channel constants between follow. None unless both convs are there, reached
    through per-channel ops that nothing else reads."""
    plan = {}
    source = call.args[0]
    while True:
        if not isinstance(source, relax.Var) or graph.only_user(source) is None:
            return None
        producer = graph.value.get(source)
        if is_dense_conv(producer):
            plan[source] = _with_weights(producer, producer.args[1].value.numpy()[order])
            break
        if not channel_preserving(producer):
            return None
        plan[source] = _permuted_constant(producer, order)
        source = producer.args[0]
    sink = var
    while True:
        user = graph.only_user(sink)
        consumer = graph.value.get(user) if user is not None else None
        if consumer is None or not consumer.args[0].same_as(sink):
            return None
        if is_dense_conv(consumer):
            plan[user] = _with_weights(consumer, consumer.args[1].value.numpy()[:, order])
            return plan
        if not channel_preserving(consumer):
            return None
        plan[user] = _permuted_constant(consumer, order)
        sink = user


def _permuted_constant(call: relax.Call, order: numpy.ndarray) -> relax.Call:
    constant = per_channel_constant(call)
    if constant is None:
        return call
    values = constant.value.numpy()
    # One value for every channel is the same in any order.
    if values.ndim != 4 or values.shape[1] == 1:
        return call
    return relax.Call(call.op, (call.args[0], relax.const(values[:, order])), call.attrs)


def _with_weights(call: relax.Call, weights: numpy.ndarray) -> relax.Call:
    return relax.Call(call.op, (call.args[0], relax.const(numpy.ascontiguousarray(weights))), call.attrs)


def _regrouped(call: relax.Call, weights: numpy.ndarray) -> relax.Call:
    return nchw_conv_like(call, call.args[0], relax.const(weights), groups=weights.shape[0] // weights.shape[1])


@relax.expr_functor.mutator
class _Regroup(relax.PyExprMutator):
    def __init__(self, plan: dict, mod: tvm.IRModule) -> None:
        super().__init__(mod)
        self.plan = plan

    def visit_var_binding_(self, binding: relax.VarBinding) -> None:
        new = self.plan.get(binding.var)
        if new is None:
            super().visit_var_binding_(binding)
            return
        # Shapes are unchanged, so the binding keeps its variable.
        self.builder_.emit_normalized(relax.VarBinding(binding.var, self.visit_expr(new)))
