"""Software prefetch of a 1x1 conv's next block of weights, spread over the rows of the map.

A conv whose weights outweigh its input takes its input channels in blocks
(conv_rule.reduction_blocks): every row of the map reads a block's weights, the first from
memory, the others from L1. At batch 1 those weights have left the caches since the last call
(ResNeXt-50's 7x7 1x1 convs hold 8 MB each), so without help the first row of each block waits
on memory while the other rows leave it idle. The hardware prefetcher does not close that gap,
and neither did prefetching the whole next block in the first row (level). So every row of a
block prefetches its own share of the next block's weights: row r, while reading input chunk
c, asks for cache lines r, r + rows, r + 2 rows ... of chunk c of the next block, for each
output-channel chunk of the register tile. By the block's last row the whole next block has
been asked for once, spread evenly over its compute.

On a chain of 2048 <-> 1024 1x1 convs on 7x7 maps (64 MB of weights, AMD EPYC Zen 5) that took
the convs from 159 to 191 GFLOP/s at one thread and from 279 to 339 at two (1.22x, 1.23x);
ResNeXt-50 ran 1.03-1.06x faster and ResNet-50 1.04-1.05x (paired, alternating rounds in one
process). Only 1x1 convs: a 3x3 conv's block (144 KB for two output-channel chunks) does not
fit L1, its rows stream it from L2 anyway, and prefetching it made ResNet-18's 7x7 3x3 convs
15-20% slower.

Not on AMD Zen 4, whose own prefetchers already keep those weights coming: there the same
prefetches made chains of 1x1 convs 5-7% slower (2048 <-> 1024 on 7x7 maps, 1024 <-> 512 on
14x14, one thread; hinted into L2 instead of L1, 1-8% slower) and ResNeXt-50 2% slower at one
and two threads (paired, alternating rounds in one process).

The pass runs before TVM's lowering and finds its loops by structure, not by an annotation,
so that tuning records written before it (whose traces carry no annotation) prefetch too: a
serial loop over blocks of input-channel chunks, spatial loops (the rows) inside it, then the
loop over the chunks of one block, down to the update of a blocked conv.
"""

from __future__ import annotations

import dataclasses
import itertools
import math

import tvm
import tvm_ffi
from tvm import s_tir, tirx
from tvm.sym import Analyzer

from torch_tvm_core.schedules.conv2d import CONV_BLOCK_NAME

CACHE_LINE_BYTES = 64
FLOAT_BYTES = 4
# LLVM CPUs on which these prefetches were measured to slow the convs down.
SLOWER_WITH_PREFETCH = frozenset({"znver4"})
# llvm.prefetch(address, rw: read, locality: keep in every cache level, cache: data)
_READ, _KEEP, _DATA = 0, 3, 1


def _loop_chain(stmt: tirx.Stmt) -> tuple[list[tirx.For], s_tir.SBlockRealize | None]:
    """The perfectly nested loops from `stmt` down to the block they run, and that block."""
    loops = []
    while isinstance(stmt, tirx.For):
        loops.append(stmt)
        stmt = stmt.body
    return loops, stmt if isinstance(stmt, s_tir.SBlockRealize) else None


def _weight_load(block: s_tir.SBlock) -> tvm.ir.TensorLoad | None:
    """The block's load of the blocked conv weights, [OC/ob, IC/ib, KH, KW, ib, ob]."""
    weights = [region.source for region in block.reads if len(region.source.shape) == 6]
    if len(weights) != 1:
        return None
    found: list[tvm.ir.TensorLoad] = []

    def record(load: tvm.ir.TensorLoad) -> tvm.ir.TensorLoad:
        if load.source.same_as(weights[0]):
            found.append(load)
        return load

    tvm_ffi.structural_map(block.body, [(tvm.ir.TensorLoad, record)])
    return found[0] if found else None


def _substitute(expr: tvm.ir.PrimExpr, values: dict) -> tvm.ir.PrimExpr:
    return tvm_ffi.structural_map(expr, [(tirx.Var, lambda var: values.get(var, var))])


def _uses(expr: tvm.ir.PrimExpr, var: tirx.Var) -> bool:
    used: list[bool] = []

    def record(node: tirx.Var) -> tirx.Var:
        if node.same_as(var):
            used.append(True)
        return node

    tvm_ffi.structural_map(expr, [(tirx.Var, record)])
    return bool(used)


def _prefetch(buffer: tirx.Buffer, indices: list[tvm.ir.PrimExpr]) -> tirx.Evaluate:
    address = tirx.address_of(tirx.BufferLoad(buffer, indices))
    flags = (tirx.const(flag, "int32") for flag in (_READ, _KEEP, _DATA))
    return tirx.Evaluate(tirx.call_llvm_intrin("void", "llvm.prefetch.p0", address, *flags))


@dataclasses.dataclass(frozen=True)
class _BlockedReduction:
    """The loops of a 1x1 conv's input-channel block, and the weight load they drive."""

    weights: tirx.Buffer
    occ: tvm.ir.PrimExpr  # the weights' output-channel chunk index, in loop variables
    icc: tvm.ir.PrimExpr  # their input-channel chunk index
    rows: list[tirx.For]  # the spatial loops between the block loop and the chunk loop
    chunk_loop: tirx.For  # the loop over the input-channel chunks of one block
    inner: list[tirx.For]  # the loops inside it (kernel taps, channels, the register tile)


def _blocked_1x1_reduction(block_loop: tirx.For) -> _BlockedReduction | None:
    """What `block_loop` runs, where it is the loop over input-channel blocks of a blocked
    1x1 conv with rows inside it; None for any other loop."""
    loops, realize = _loop_chain(block_loop.body)
    if realize is None or not realize.block.name_hint.startswith(CONV_BLOCK_NAME):
        return None
    load = _weight_load(realize.block)
    if load is None or tuple(int(d) for d in load.source.shape[2:4]) != (1, 1):
        return None
    bound = dict(zip((iv.var for iv in realize.block.iter_vars), realize.iter_values))
    occ, icc, *_ = (_substitute(index, bound) for index in load.indices)
    chunk_loops = [i for i, loop in enumerate(loops) if _uses(icc, loop.loop_var)]
    if not _uses(icc, block_loop.loop_var) or not chunk_loops or chunk_loops[0] == 0:
        return None
    first = chunk_loops[0]
    return _BlockedReduction(load.source, occ, icc, loops[:first], loops[first], loops[first + 1 :])


def with_prefetches(block_loop: tirx.For) -> tirx.For:
    """`block_loop` with each row prefetching its share of the next block's weights, where it
    is the loop over input-channel blocks of a blocked 1x1 conv; else unchanged."""
    reduction = _blocked_1x1_reduction(block_loop)
    if reduction is None:
        return block_loop
    oc_chunks, ic_chunks, _, _, ic_block, oc_block = (int(d) for d in reduction.weights.shape)
    lines = max(1, FLOAT_BYTES * ic_block * oc_block // CACHE_LINE_BYTES)
    rows = math.prod(int(loop.extent) for loop in reduction.rows)
    row: tvm.ir.PrimExpr = tirx.const(0, block_loop.loop_var.ty.dtype)
    for loop in reduction.rows:
        row = row * loop.extent + loop.loop_var
    zero = {loop.loop_var: loop.min for loop in reduction.inner}
    tile_chunks = [loop for loop in reduction.inner if _uses(reduction.occ, loop.loop_var)]
    analyzer = Analyzer()
    prefetches = []
    for values in itertools.product(*(range(int(loop.extent)) for loop in tile_chunks)):
        at = {**zero, **{loop.loop_var: loop.min + v for loop, v in zip(tile_chunks, values)}}
        at[block_loop.loop_var] = block_loop.loop_var + 1
        next_icc = _substitute(reduction.icc, at)
        # After a chunk's last block comes the next output-channel chunk's first, which the
        # same thread computes next; past the last chunk the addresses stay in the weights.
        next_occ = tirx.min(_substitute(reduction.occ, at) + tirx.floordiv(next_icc, ic_chunks), oc_chunks - 1)
        next_icc = tirx.floormod(next_icc, ic_chunks)
        zeros = (tirx.const(0, next_icc.ty.dtype),) * 3
        for share in range(-(-lines // rows)):
            # A chunk's weights are contiguous: its line k starts k lines past its first element.
            line = tirx.floormod(row + share * rows, lines)
            indices = [next_occ, next_icc, *zeros, line * (CACHE_LINE_BYTES // FLOAT_BYTES)]
            prefetches.append(_prefetch(reduction.weights, [analyzer.simplify(i) for i in indices]))
    body = tirx.SeqStmt([*prefetches, reduction.chunk_loop.body])
    return _replace_body(block_loop, reduction.chunk_loop, body)


def _replace_body(root: tirx.For, loop: tirx.For, body: tirx.Stmt) -> tirx.For:
    def replace(node: tirx.For) -> tirx.For:
        if not node.loop_var.same_as(loop.loop_var):
            return node
        return tirx.For(node.loop_var, node.min, node.extent, node.kind, body, node.thread_binding, node.annotations)

    return tvm_ffi.structural_map(root, [(tirx.For, replace)])


def prefetches_for(func: tirx.PrimFunc) -> bool:
    """Whether `func` prefetches weight blocks on the CPU it is compiled for (its own target,
    else the current one; a kernel compiled for no particular CPU does)."""
    target = (func.attrs.get("target") if func.attrs else None) or tvm.target.Target.current(allow_none=True)
    return target is None or str(target.attrs.get("mcpu", "")) not in SLOWER_WITH_PREFETCH


@tvm.transform.module_pass(opt_level=0, name="PrefetchNextWeightBlocks")
def prefetch_next_weight_blocks(mod: tvm.IRModule, _ctx: tvm.transform.PassContext) -> tvm.IRModule:
    for gvar, func in list(mod.functions_items()):
        if isinstance(func, tirx.PrimFunc) and prefetches_for(func):
            mod[gvar] = tvm_ffi.structural_map(func, [(tirx.For, with_prefetches)])
    return mod
