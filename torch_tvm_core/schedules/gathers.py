"""Vector loads of a few neighbouring elements in any order, as one load and a shuffle.

TVM's code generator loads a vector lane by lane unless its index is a ramp (consecutive
elements). A grouped conv in interleaved channel order (grouped_conv.py) reads, for each of
its 16 output lanes, input element `r * G + lane % G`: four elements repeated four times.
Loaded lane by lane (16 scalar inserts) that conv ran 6x slower than the widened conv it
replaces; as a 4-element load and a shuffle LLVM emits one broadcast load (vbroadcastf32x4)
and the conv ran 2.7x faster (AMD EPYC Zen 5, one thread). This pass, run after TVM's own
lowering, rewrites every vector load whose lanes read constant offsets from one base within
a span no wider than the vector.
"""

from __future__ import annotations

import tvm
import tvm_ffi
from tvm import tirx
from tvm.sym import Analyzer

_LANEWISE = {
    tirx.Add: lambda a, b: a + b,
    tirx.Sub: lambda a, b: a - b,
    tirx.Mul: lambda a, b: a * b,
    tirx.FloorMod: tirx.floormod,
    tirx.FloorDiv: tirx.floordiv,
}


def _lanes(expr: tvm.ir.PrimExpr) -> int:
    dtype = getattr(expr.ty, "dtype", None)
    return 1 if dtype is None else int(dtype.lanes)


def _lane(expr: tvm.ir.PrimExpr, lane: int, bound: dict) -> tvm.ir.PrimExpr | None:
    """The scalar expression of one lane of a vector index, None where it is not known."""
    if isinstance(expr, tirx.Ramp):
        return expr.base + expr.stride * lane
    if isinstance(expr, tirx.Broadcast):
        return expr.value
    if _lanes(expr) == 1:
        return expr
    if isinstance(expr, tirx.Var):
        value = bound.get(expr)
        return None if value is None else _lane(value, lane, bound)
    for kind, combine in _LANEWISE.items():
        if isinstance(expr, kind):
            a, b = _lane(expr.a, lane, bound), _lane(expr.b, lane, bound)
            return None if a is None or b is None else combine(a, b)
    return None


def lane_offsets(index: tvm.ir.PrimExpr, bound: dict) -> tuple[tvm.ir.PrimExpr, list[int]] | None:
    """(first lane's index, every lane's constant offset from it), None where an offset is
    not a constant."""
    analyzer = Analyzer()
    first = _lane(index, 0, bound)
    if first is None:
        return None
    offsets = []
    for lane in range(_lanes(index)):
        value = _lane(index, lane, bound)
        offset = None if value is None else analyzer.simplify(value - first)
        if not isinstance(offset, tirx.IntImm):
            return None
        offsets.append(int(offset))
    return first, offsets


def _as_shuffle(load: tvm.ir.TensorLoad, bound: dict) -> tvm.ir.PrimExpr:
    if len(load.indices) != 1:
        return load
    index = load.indices[0]
    lanes = _lanes(index)
    if lanes == 1 or isinstance(index, tirx.Ramp):
        return load
    found = lane_offsets(index, bound)
    if found is None:
        return load
    first, offsets = found
    low = min(offsets)
    span = max(offsets) - low + 1
    if span > lanes:
        return load
    start = Analyzer().simplify(first + low)
    if span == 1:
        return tirx.Broadcast(tirx.BufferLoad(load.source, [start]), lanes)
    loaded = tirx.BufferLoad(load.source, [tirx.Ramp(start, 1, span)])
    # A shuffle picks from the concatenation of its vectors and yields no more lanes than
    # they hold together, so the loaded vector is repeated up to the output's width.
    copies = -(-lanes // span)
    return tirx.Shuffle([loaded] * copies, [tirx.IntImm("int32", o - low) for o in offsets])


def _vector_bindings(func: tirx.PrimFunc) -> dict:
    """Vector values bound to variables (common-subexpression elimination hoists a lane
    pattern such as `ramp % 4` into one)."""
    bound = {}

    def record(node: tirx.Bind | tirx.Let) -> object:
        if _lanes(node.var) > 1:
            bound[node.var] = node.value
        return node

    tvm_ffi.structural_map(func, [((tirx.Bind, tirx.Let), record)])
    return bound


@tvm.transform.module_pass(opt_level=0, name="GathersAsShuffles")
def gathers_as_shuffles(mod: tvm.IRModule, _ctx: tvm.transform.PassContext) -> tvm.IRModule:
    for gvar, func in list(mod.functions_items()):
        if isinstance(func, tirx.PrimFunc):
            bound = _vector_bindings(func)
            mod[gvar] = tvm_ffi.structural_map(
                func, [(tvm.ir.TensorLoad, lambda node: _as_shuffle(node, bound))]
            )
    return mod

