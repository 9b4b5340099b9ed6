"""Default CPU schedule rules, applied to every kernel that no tuning record covers.

Our kernel schedules come first, each with its fused epilogue: the direct blocked conv2d
(conv_rule.py), the 3x3 convs that go by Winograd (winograd_rule.py), matmuls with more
than a few rows (matmul_rule.py) and depthwise convs (depthwise_rule.py). The loop-nest rule gives every other kernel (pooling, global
mean, batch-1 dense over packed weight panels, layout transforms, elementwise) parallel outer
loops and a vectorized innermost loop, unless that loop reads its input with a stride (pooling
windows that step by 2 along a row), which stays scalar with the window unrolled. A reduction
into one output row that no SIMD width divides (a batch-1 product by a matrix that is not a
constant) splits that row into column ranges for the threads.
"""

from __future__ import annotations

from collections.abc import Callable

from tvm import s_tir, tirx
from tvm.sym.pattern import detect_linear_equation
from tvm.s_tir.dlight.base import ScheduleRule
from tvm.s_tir.schedule import ScheduleError
from tvm.target import Target

from torch_tvm_core.schedules.conv_rule import default_choice, schedule_conv
from torch_tvm_core.schedules.cpu import simd_lanes
from torch_tvm_core.schedules.depthwise_rule import schedule_depthwise
from torch_tvm_core.schedules.matmul_rule import schedule_matmul
from torch_tvm_core.schedules.pointwise_rule import schedule_pointwise
from torch_tvm_core.schedules.winograd_rule import schedule_winograd

_MAX_VECTOR_EXTENT = 64
# Window sides unrolled in a scalar row (pooling windows are 2 to 7 wide).
_MAX_UNROLLED_WINDOW = 8


class KernelRule(ScheduleRule):
    """One of our kernel schedules as a dlight rule: it takes the kernels `schedule` finds its
    block in (True), and declines the others or any TIR refuses."""

    def __init__(self, schedule: Callable[[s_tir.Schedule, Target], bool]) -> None:
        self.schedule = schedule

    def apply(self, func: tirx.PrimFunc, target: Target, tunable: bool) -> s_tir.Schedule | None:
        sch = s_tir.Schedule(func)
        try:
            return sch if self.schedule(sch, target) else None
        except ScheduleError:
            return None


def kernel_rules() -> list[ScheduleRule]:
    """The direct blocked conv, Winograd convs, tiled matmuls and depthwise convs, each with
    its epilogue."""
    return [
        KernelRule(lambda sch, target: schedule_conv(sch, target, default_choice)),
        KernelRule(schedule_winograd),
        KernelRule(schedule_pointwise),
        KernelRule(schedule_matmul),
        KernelRule(schedule_depthwise),
    ]


class LoopNest(ScheduleRule):
    """Any other kernel: inline what can be inlined, then parallelize and vectorize each nest."""

    def apply(self, func: tirx.PrimFunc, target: Target, tunable: bool) -> s_tir.Schedule | None:
        sch = s_tir.Schedule(func)
        try:
            _inline_injective(sch)
            for block in sch.get_child_blocks(sch.get_sblock("root")):
                _schedule_nest(sch, block, simd_lanes(target), int(target.attrs.get("num-cores", 1)))
        except ScheduleError:
            return None
        return sch


def _inline_injective(sch: s_tir.Schedule) -> None:
    for block in reversed(sch.get_child_blocks(sch.get_sblock("root"))):
        if _is_output(sch, block):
            continue
        try:
            sch.compute_inline(block)
        except ScheduleError:
            continue


def _is_output(sch: s_tir.Schedule, block: s_tir.SBlockRV) -> bool:
    return not sch.get_consumers(block)


def _schedule_nest(sch: s_tir.Schedule, block: s_tir.SBlockRV, lanes: int, threads: int) -> None:
    loops = sch.get_loops(block)
    if not loops:
        return
    iter_types = [iv.iter_type for iv in sch.get(block).iter_vars]
    if len(iter_types) != len(loops):
        return
    if _vectorize_along_output(sch, block, loops, lanes):
        return
    spatial = [loop for loop, kind in zip(loops, iter_types) if kind == tirx.IterVar.DataPar]
    reduce = [loop for loop, kind in zip(loops, iter_types) if kind != tirx.IterVar.DataPar]
    if not spatial:
        return
    if _reads_with_stride(sch.get(block), len(spatial) - 1):
        _schedule_scalar_rows(sch, spatial, reduce)
        return
    inner = spatial[-1]
    extent = int(sch.get(inner).extent)
    if extent > _MAX_VECTOR_EXTENT:
        factor = vector_chunk(extent, lanes)
        if factor is not None:
            outer_part, inner = sch.split(inner, factors=[None, factor])
            spatial = spatial[:-1] + [outer_part, inner]
        elif reduce and _one_row(sch, spatial[:-1]):
            outer_part, inner = sch.split(inner, factors=[_row_parts(extent, threads), None])
            spatial = spatial[:-1] + [outer_part, inner]
    outer = spatial[:-1]
    sch.reorder(*outer, *reduce, inner)
    if outer:
        sch.parallel(sch.fuse(*outer) if len(outer) > 1 else outer[0])
    # Vectorized before the reduction is decomposed: the update block alone is no longer a
    # reduction, and TIR refuses to vectorize loops over it (max pooling went unscheduled).
    _vectorize_if_short(sch, inner)
    if reduce:
        init = sch.decompose_reduction(block, reduce[0])
        _vectorize_if_short(sch, sch.get_loops(init)[-1])


def vector_chunk(extent: int, lanes: int) -> int | None:
    """How many elements of a nest's innermost loop are vectorized together: the whole loop up
    to 64, else the widest of 4, 2 or 1 SIMD vectors that divides it; None where none does.
    A batch-1 product's weights are packed in panels of this width (matmul.py), so that each
    vector reads one panel's contiguous columns."""
    if extent <= _MAX_VECTOR_EXTENT:
        return extent
    return next((f for f in (4 * lanes, 2 * lanes, lanes) if extent % f == 0), None)


def _one_row(sch: s_tir.Schedule, loops: list) -> bool:
    return all(int(sch.get(loop).extent) == 1 for loop in loops)


def _row_parts(extent: int, threads: int) -> int:
    """Column ranges of a reduction's one output row whose width is no multiple of the SIMD
    width: the most, up to 4 per thread, that divide it. Whole, the row ran on one thread:
    ResNet-50's 2048x1000 classifier, before its weights were packed, took 0.28 ms at one
    thread and at two, in 8 ranges 0.14 ms at two threads (AMD EPYC Zen 5)."""
    return max(d for d in range(1, 4 * threads + 1) if extent % d == 0)


def _reads_with_stride(stmt: tirx.SBlock, axis: int) -> bool:
    """Whether a read steps more than one element along its buffer's innermost dimension as
    the block's spatial iterator number `axis` steps by one (a pooling window with stride 2).

    A vector of such reads is gathered lane by lane: ResNet's 3x3 stride-2 max pooling over
    NCHW took 1.95 ms vectorized along the output row and 0.31 ms as scalar rows with the
    window unrolled (64x112x112, one thread, AMD EPYC Zen 3).
    """
    spatial = [iv.var for iv in stmt.iter_vars if iv.iter_type == tirx.IterVar.DataPar]
    var = spatial[axis]
    for read in stmt.reads:
        if not read.region:
            continue
        coefficients = detect_linear_equation(read.region[-1].min, [var])
        if coefficients and isinstance(coefficients[0], tirx.IntImm) and abs(int(coefficients[0])) > 1:
            return True
    return False


def _schedule_scalar_rows(sch: s_tir.Schedule, spatial: list, reduce: list) -> None:
    """Rows in parallel, each walked element by element with its (small) window unrolled."""
    if len(spatial) > 1:
        sch.parallel(sch.fuse(*spatial[:-1]) if len(spatial) > 2 else spatial[0])
    for loop in reduce:
        if int(sch.get(loop).extent) <= _MAX_UNROLLED_WINDOW:
            sch.unroll(loop)


def _vectorize_along_output(sch: s_tir.Schedule, block: s_tir.SBlockRV, loops: list, lanes: int) -> bool:
    """A transpose (a layout transform between NCHW and NCHW[b]c, a permute): vectorize the
    loop that walks the output's innermost dimension, a SIMD vector of it at a time, so that
    stores are whole vectors and the strided side is read from a small tile. Vectorizing the
    innermost loop of the input's order instead scattered every vector into `lanes` planes:
    MobileNetV2 ran 10% faster at 2 threads this way (AMD EPYC Zen 5). False where the
    output's innermost index already follows the innermost loop, or is not one loop's variable
    (or that variable modulo a SIMD width)."""
    stmt = sch.get(block)
    if len(stmt.writes) != 1 or any(iv.iter_type != tirx.IterVar.DataPar for iv in stmt.iter_vars):
        return False
    innermost = stmt.writes[0].region[-1].min
    if isinstance(innermost, tirx.FloorMod) and isinstance(innermost.b, tirx.IntImm) and int(innermost.b) == lanes:
        innermost = innermost.a
    position = next((k for k, iv in enumerate(stmt.iter_vars) if iv.var.same_as(innermost)), None)
    if position is None or position == len(loops) - 1 or int(sch.get(loops[position]).extent) % lanes:
        return False
    outer, inner = sch.split(loops[position], factors=[None, lanes])
    before, after = loops[:position], loops[position + 1 :]
    sch.reorder(*before, outer, *after, inner)
    sch.parallel(sch.fuse(*before, outer) if before else outer)
    sch.vectorize(inner)
    return True


def _vectorize_if_short(sch: s_tir.Schedule, loop: s_tir.LoopRV) -> None:
    if int(sch.get(loop).extent) <= _MAX_VECTOR_EXTENT:
        sch.vectorize(loop)
