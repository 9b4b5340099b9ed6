"""Fold constant-only Relax calls with numpy instead of compiled TIR kernels.

Relax's FoldConstant evaluates a constant expression by legalizing it, building the TIR
kernel with LLVM and running it: batch norm folded into conv weights and the blocked weight
layouts cost one kernel build per op per weight shape (223 builds on mobilenet_v2), the
largest single cost of a compile. The ops these weight rewrites use are plain numpy
arithmetic and reshuffles, so this pass computes them directly. Whatever it does not know
(or cannot prove it computes exactly as TVM would) is left for FoldConstant.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy
import tvm
from tvm import relax, tirx

Folder = Callable[[relax.Call, Sequence[numpy.ndarray]], "numpy.ndarray | None"]

# numpy computes these exactly as TVM's kernels do: IEEE arithmetic in the tensor's own type.
_NUMPY_DTYPES = frozenset(
    ["float16", "float32", "float64"]
    + [f"{sign}int{bits}" for sign in ("", "u") for bits in (8, 16, 32, 64)]
)


def _is_float(array: numpy.ndarray) -> bool:
    return numpy.issubdtype(array.dtype, numpy.floating)


def _float_only(compute: Callable[..., numpy.ndarray]) -> Folder:
    # Integer division, square roots and so on have their own rounding rules in TIR.
    def fold(_call: relax.Call, args: Sequence[numpy.ndarray]) -> numpy.ndarray | None:
        return compute(*args) if all(_is_float(a) for a in args) else None

    return fold


def _elementwise(compute: Callable[..., numpy.ndarray]) -> Folder:
    return lambda _call, args: compute(*args)


def _reshape(call: relax.Call, args: Sequence[numpy.ndarray]) -> numpy.ndarray:
    # reshape, expand_dims, squeeze and flatten only relabel a row-major buffer: the result
    # type already carries the new shape.
    return args[0].reshape(static_shape(call.ty))


def _permute_dims(call: relax.Call, args: Sequence[numpy.ndarray]) -> numpy.ndarray:
    axes = call.attrs.axes
    return numpy.transpose(args[0], None if axes is None else [int(a) for a in axes])


def _astype(call: relax.Call, args: Sequence[numpy.ndarray]) -> numpy.ndarray | None:
    target = numpy.dtype(str(call.attrs.dtype))
    # Float to integer is undefined out of range in TIR (and numpy); leave it to TVM.
    if _is_float(args[0]) and not numpy.issubdtype(target, numpy.floating):
        return None
    return args[0].astype(target)


def _layout_transform(call: relax.Call, args: Sequence[numpy.ndarray]) -> numpy.ndarray | None:
    if call.attrs.pad_value is not None:
        return None
    plan = _split_and_permute(call.attrs.index_map, args[0].shape)
    if plan is None:
        return None
    split_shape, order = plan
    return numpy.transpose(args[0].reshape(split_shape), order)


def _split_and_permute(
    index_map: tirx.IndexMap, shape: tuple[int, ...]
) -> tuple[list[int], list[int]] | None:
    """The reshape and transpose that apply `index_map`, for maps whose outputs are input
    axes or their exact splits (`v // c` and `v % c`, c dividing the axis); else None.

    Each input axis becomes one axis (`v`) or two (`v // c` then `v % c`) in the reshape; the
    transpose then puts these in the order of the map's outputs.
    """
    inputs = list(index_map.initial_indices)
    positions: list[dict[str, int]] = [{} for _ in inputs]
    factors = [0] * len(inputs)
    for position, expr in enumerate(index_map.final_indices):
        parsed = _parse_index(expr, inputs)
        if parsed is None:
            return None
        axis, kind, factor = parsed
        if kind in positions[axis] or factors[axis] not in (0, factor):
            return None
        positions[axis][kind] = position
        factors[axis] = factor
    split_shape: list[int] = []
    order: list[int] = []
    for axis, (used, factor) in enumerate(zip(positions, factors)):
        if used.keys() == {"whole"}:
            split_shape.append(shape[axis])
            order.append(used["whole"])
        elif used.keys() == {"div", "mod"} and factor > 0 and shape[axis] % factor == 0:
            split_shape += [shape[axis] // factor, factor]
            order += [used["div"], used["mod"]]
        else:
            # A dropped axis, a merge or a split that needs padding.
            return None
    return split_shape, sorted(range(len(order)), key=order.__getitem__)


def _parse_index(expr: tvm.ir.PrimExpr, inputs: list[tirx.Var]) -> tuple[int, str, int] | None:
    """(input axis, "whole" / "div" / "mod", factor) for `v`, `v // c` or `v % c`."""
    if isinstance(expr, tirx.Var):
        axis = _axis(expr, inputs)
        return None if axis is None else (axis, "whole", 0)
    kinds = {tirx.FloorDiv: "div", tirx.FloorMod: "mod"}
    kind = kinds.get(type(expr))
    if kind is None or not isinstance(expr.a, tirx.Var) or not isinstance(expr.b, tirx.IntImm):
        return None
    axis = _axis(expr.a, inputs)
    return None if axis is None else (axis, kind, int(expr.b.value))


def _axis(var: tirx.Var, inputs: list[tirx.Var]) -> int | None:
    return next((i for i, v in enumerate(inputs) if v.same_as(var)), None)


FOLDERS: dict[str, Folder] = {
    "relax.add": _elementwise(numpy.add),
    "relax.subtract": _elementwise(numpy.subtract),
    "relax.multiply": _elementwise(numpy.multiply),
    "relax.divide": _float_only(numpy.divide),
    "relax.negative": _elementwise(numpy.negative),
    "relax.sqrt": _float_only(numpy.sqrt),
    "relax.rsqrt": _float_only(lambda x: numpy.reciprocal(numpy.sqrt(x))),
    "relax.reshape": _reshape,
    "relax.expand_dims": _reshape,
    "relax.squeeze": _reshape,
    "relax.flatten": _reshape,
    "relax.permute_dims": _permute_dims,
    "relax.astype": _astype,
    "relax.layout_transform": _layout_transform,
}


def static_shape(ty: relax.Type) -> tuple[int, ...] | None:
    """A tensor type's shape, None where it is unknown or symbolic."""
    shape = getattr(ty, "shape", None)
    if not isinstance(shape, relax.ShapeExpr):
        return None
    if not all(isinstance(v, tirx.IntImm) for v in shape.values):
        return None
    return tuple(int(v.value) for v in shape.values)


def _operand(arg: relax.Expr) -> numpy.ndarray | None:
    """The value of a constant tensor or scalar argument; None for anything else.

    Shape arguments (reshape's target shape) are read from the call's result type instead.
    """
    if isinstance(arg, tvm.ir.GenericConst):
        value = arg.value.numpy()
    elif isinstance(arg, (tirx.IntImm, tirx.FloatImm)):
        # A scalar of its own dtype: numpy would widen a Python float to float64.
        value = numpy.array(arg.value, dtype=str(arg.ty))
    else:
        return None
    return value if str(value.dtype) in _NUMPY_DTYPES else None


def fold_call(call: relax.Call) -> relax.Expr | None:
    """The call's result as a constant, if it is a known op of constants; else None."""
    if not isinstance(call.op, tvm.ir.Op) or call.op.name not in FOLDERS:
        return None
    tensor_args = [a for a in call.args if not isinstance(a, relax.ShapeExpr)]
    operands = [_operand(a) for a in tensor_args]
    if any(o is None for o in operands):
        return None
    shape = static_shape(call.ty)
    if shape is None:
        return None
    with numpy.errstate(all="ignore"):
        result = FOLDERS[call.op.name](call, operands)
    # The result must be what Relax inferred, element type included: a promotion numpy made
    # and TVM would not means the ops disagree, so FoldConstant decides instead.
    if result is None or result.shape != shape or str(result.dtype) != str(call.ty.dtype):
        return None
    # numpy.ascontiguousarray would turn a 0-dim result into shape (1,), and relax.const
    # makes any 0-dim array float32 unless told its dtype.
    return relax.const(numpy.require(result, requirements="C"), dtype=str(result.dtype))


@relax.expr_functor.mutator
class _NumpyConstantFolder(relax.PyExprMutator):
    """Replaces known constant-only calls by their values and inlines them into their uses,
    as FoldConstant does, so later folds and pattern matches (is_const) see constants."""

    def visit_call_(self, call: relax.Call) -> relax.Expr:
        call = self.visit_expr_post_order(call)
        folded = fold_call(call)
        return call if folded is None else folded

    def visit_var_(self, var: relax.Var) -> relax.Expr:
        value = self._constant_of(var)
        return value if value is not None else super().visit_var_(var)

    def visit_dataflow_var_(self, var: relax.DataflowVar) -> relax.Expr:
        value = self._constant_of(var)
        return value if value is not None else super().visit_dataflow_var_(var)

    def _constant_of(self, var: relax.Var) -> relax.Expr | None:
        """The constant bound to `var`, if it has exactly the var's type."""
        value = self.lookup_binding(var)
        if not isinstance(value, tvm.ir.GenericConst):
            return None
        same_dtype = str(value.value.dtype) == str(getattr(var.ty, "dtype", ""))
        same_shape = tuple(value.value.shape) == static_shape(var.ty)
        return value if same_dtype and same_shape else None


@tvm.transform.module_pass(opt_level=0, name="FoldConstantsInNumpy")
def fold_constants_in_numpy(mod: tvm.IRModule, _ctx: tvm.transform.PassContext) -> tvm.IRModule:
    """Fold the constant-only calls of known ops in every Relax function with numpy."""
    folder = _NumpyConstantFolder(mod)
    for gvar, func in list(mod.functions_items()):
        if isinstance(func, relax.Function):
            folded = folder.visit_expr(func)
            mod[gvar] = relax.analysis.remove_all_unused(folded)
    return mod
