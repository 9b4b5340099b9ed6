"""Graph-level rewrites that make the kernels schedulable: batch norm into weights, and
activations in channel blocks of one SIMD vector."""

from __future__ import annotations

import tvm
from tvm import relax
from tvm.target import Target

from torch_tvm_core.schedules.blocked_outputs import write_conv_outputs_blocked
from torch_tvm_core.schedules.constant_folding import fold_constants_in_numpy
from torch_tvm_core.schedules.cpu import simd_lanes
from torch_tvm_core.schedules.fold_batch_norm import fold_batch_norm_into_conv
from torch_tvm_core.schedules.grouped_conv import widen_small_groups


def blocked_layout(target: Target) -> tvm.transform.Pass:
    """Fold inference batch norm into the conv weights, widen groups smaller than a SIMD
    vector (grouped_conv.py), then switch convs (and the ops between them) to NCHW[lanes]c
    with OIHW[lanes]i[lanes]o weights.

    Both need the weights bound as constants; they are folded and packed once here (in numpy,
    FoldConstant only for ops numpy folding does not know), so no layout transform of a
    weight runs per call. Convs whose channels are not a multiple of the
    SIMD width keep NCHW (the conv legalizer blocks them internally); where their output
    channels are such a multiple, they write the output blocked (blocked_outputs.py).
    """
    lanes = simd_lanes(target)
    convert = relax.transform.ConvertLayout(
        {"relax.nn.conv2d": [f"NCHW{lanes}c", f"OIHW{lanes}i{lanes}o"]}
    )

    @tvm.transform.module_pass(opt_level=0, name="BlockConvLayouts")
    def block_conv_layouts(mod: tvm.IRModule, _ctx: tvm.transform.PassContext) -> tvm.IRModule:
        # ConvertLayout dies with bad_alloc on some graphs without any conv (e.g. max over a
        # dimension); such graphs have nothing to block anyway.
        if not has_conv2d(mod):
            return mod
        try:
            return convert(mod)
        except tvm.error.InternalError as exc:
            # It also dies on ViT's patch embedding followed by attention (std::bad_alloc);
            # the blocked layout only makes convs faster, NCHW is still correct.
            if "bad_alloc" not in str(exc):
                raise
            return mod

    return tvm.transform.Sequential(
        [
            fold_batch_norm_into_conv,
            fold_constants_in_numpy,
            relax.transform.FoldConstant(),
            widen_small_groups(lanes),
            block_conv_layouts,
            fold_constants_in_numpy,
            relax.transform.FoldConstant(),
            # ConvertLayout gives each consumer of a tensor its own layout transform (a residual
            # block's input was blocked twice); one is enough.
            relax.transform.EliminateCommonSubexpr(),
            # A max pooling's unused indices leave a tuple and a dead second user behind it.
            relax.transform.CanonicalizeBindings(),
            relax.transform.DeadCodeElimination(),
            write_conv_outputs_blocked(lanes),
        ],
        name="BlockedLayout",
    )


def has_conv2d(mod: tvm.IRModule) -> bool:
    found = False

    def visit(expr: relax.Expr) -> None:
        nonlocal found
        if isinstance(expr, relax.Call) and isinstance(expr.op, tvm.ir.Op):
            found = found or expr.op.name == "relax.nn.conv2d"

    for function in mod.functions.values():
        if isinstance(function, relax.Function):
            relax.analysis.post_order_visit(function, visit)
    return found
