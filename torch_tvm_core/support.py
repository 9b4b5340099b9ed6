"""Which ATen nodes TVM can take: TVM's own converter table, corrected by our overrides.

The table is read from the installed TVM, so support follows TVM upgrades without a
hand-kept list. Overrides only ever narrow it, for cases the table accepts by name but
the importer or the CPU pipeline cannot handle.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Mapping

import torch
from torch import fx
from torch.fx.passes.operator_support import OperatorSupportBase

from torch_tvm_core import probe

# TVM's CPU code generation has no complex numbers, and its importer maps no quantized
# or sparse dtypes.
_UNSUPPORTED_DTYPES = frozenset(
    {torch.complex32, torch.complex64, torch.complex128, torch.qint8, torch.quint8, torch.qint32}
)


@functools.cache
def tvm_converter_names() -> frozenset[str]:
    """Names ("relu.default", "getitem", ...) that TVM's ExportedProgram importer converts."""
    from tvm.relax.frontend.torch.exported_program_translator import ExportedProgramImporter

    return frozenset(ExportedProgramImporter().create_convert_map())


def op_name(node: fx.Node) -> str:
    """The name an operator is reported under: "aten.relu.default", "mylib.scale.default"."""
    target = node.target
    if isinstance(target, torch._ops.OpOverload):
        return str(target)
    return getattr(target, "__name__", str(target))


def _producer_supported(node: fx.Node) -> bool:
    # A getitem is only worth taking with the multi-output op it unpacks; alone, its
    # input would be a tuple crossing the TVM boundary.
    return is_supported(node.args[0]) if isinstance(node.args[0], fx.Node) else False


def _tensors_of(node: fx.Node) -> list[torch.Tensor]:
    values = node.meta.get("val")
    flat = values if isinstance(values, list | tuple) else [values]
    return [value for value in flat if isinstance(value, torch.Tensor)]


def _tensor_dtypes_supported(node: fx.Node) -> bool:
    tensors = _tensors_of(node)
    for source in node.all_input_nodes:
        tensors += _tensors_of(source)
    # Sparse and other non-strided layouts have no DLPack form TVM can take.
    return all(
        tensor.dtype not in _UNSUPPORTED_DTYPES and tensor.layout == torch.strided
        for tensor in tensors
    )


def _computes_tensors(node: fx.Node) -> bool:
    """Tensors in, tensors out: shape bookkeeping (sym_size, _assert_scalar, the scalar
    arithmetic around data-dependent ops such as nonzero) would cross the TVM boundary as
    Python numbers, which TVM's importer cannot take."""
    values = node.meta.get("val")
    flat = values if isinstance(values, list | tuple) else [values]
    if not flat or not all(isinstance(value, torch.Tensor) for value in flat):
        return False
    for source in node.all_input_nodes:
        value = source.meta.get("val")
        if source.op != "get_attr" and not isinstance(value, torch.Tensor | list | tuple):
            return False
    return True


_REDUCTIONS_WITHOUT_KEEPDIM = frozenset({"cumsum", "cumprod", "_softmax", "_log_softmax"})


def _no_dimension_of_a_scalar(node: fx.Node) -> bool:
    """TVM's reductions reject a 0-dim tensor ("Cannot reduce a 0 dim Tensor") where PyTorch
    treats dim 0 of a scalar as the scalar itself."""
    arguments = {argument.name for argument in node.target._schema.arguments}
    reduces = "keepdim" in arguments or node.target._opname in _REDUCTIONS_WITHOUT_KEEPDIM
    takes_dims = reduces and "dim" in arguments
    first = node.args[0] if node.args else None
    values = _tensors_of(first) if isinstance(first, fx.Node) else []
    return not (takes_dims and values and values[0].dim() == 0)


def _deterministic(node: fx.Node) -> bool:
    """Random operators are PyTorch's: TVM's importer lowers dropout to the identity, which
    is only right when dropout is off."""
    target = node.target
    if torch.Tag.nondeterministic_seeded not in target.tags:
        return True
    if target is torch.ops.aten.native_dropout.default:
        return node.args[2] is False or node.args[1] == 0
    return False


def _static_shapes(node: fx.Node) -> bool:
    """Subgraphs are compiled for the shapes capture recorded; a data-dependent size (the
    result of nonzero or masked_select) has none to compile for."""
    outputs = _tensors_of(node)
    inputs = [tensor for source in node.all_input_nodes for tensor in _tensors_of(source)]
    if not all(
        all(isinstance(size, int) for size in value.shape) for value in outputs + inputs
    ):
        return False
    # Computing on an empty tensor has no loop TVM can vectorize ("Failed to vectorize loop
    # with extent 0"). Empty extra outputs (inference batch norm's saved statistics) are fine.
    if node.target is operator.getitem:
        computed = outputs
    else:
        computed = inputs + (outputs if not isinstance(node.meta.get("val"), list | tuple) else [])
    return all(value.numel() > 0 for value in computed)


def _float32_result(node: fx.Node) -> bool:
    """TVM's converters for these fix the result dtype to float32: a float64 convolution
    would come back as float32."""
    return all(tensor.dtype == torch.float32 for tensor in _tensors_of(node))


def _only_the_result_is_used(node: fx.Node) -> bool:
    """TVM's converters give the right first output but not the others: the saved mean and
    reciprocal deviation of the norms (in the wrong shape), the indices of max pooling (as
    float32 instead of int64)."""
    return all(
        user.target is operator.getitem and user.args[1] == 0 for user in node.users
    )


def _not_training(position: int) -> Callable[[fx.Node], bool]:
    """Batch norm in training mode normalizes with the batch's own statistics; TVM's
    converters always use the running ones."""

    def check(node: fx.Node) -> bool:
        training = node.args[position] if len(node.args) > position else node.kwargs.get(
            "training", False
        )
        return training is False

    return check


def _contiguous_strides(node: fx.Node) -> bool:
    """TVM's as_strided takes only the strides of a contiguous tensor of the given size."""
    size, stride = node.args[1], node.args[2]
    expected, step = [], 1
    for extent in reversed(size):
        expected.append(step)
        step *= extent
    offset = node.args[3] if len(node.args) > 3 else 0
    return list(stride) == expected[::-1] and not offset


def _no_divisor_override(position: int) -> Callable[[fx.Node], bool]:
    """TVM's average pools divide by the window; PyTorch's divisor_override is ignored."""

    def check(node: fx.Node) -> bool:
        value = node.args[position] if len(node.args) > position else node.kwargs.get(
            "divisor_override"
        )
        return value is None

    return check


def _not_transposed_3d(node: fx.Node) -> bool:
    """TVM's importer has no transposed 3-D convolution."""
    transposed = node.args[6] if len(node.args) > 6 else False
    return not (transposed and len(node.args[0].meta["val"].shape) == 5)


def _operands_of_the_result_dtype(node: fx.Node) -> bool:
    """PyTorch's where promotes its two value operands to a common dtype; TVM's requires
    them equal and fails to build otherwise."""
    results = _tensors_of(node)
    if len(results) != 1:
        return False
    for operand in node.args[1:3]:
        if not isinstance(operand, fx.Node):
            continue
        values = _tensors_of(operand)
        if len(values) != 1 or values[0].dtype != results[0].dtype:
            return False
    return True


def _indices_of_one_shape(position: int) -> Callable[[fx.Node], bool]:
    """TVM's advanced indexing takes index tensors of one shape for the leading dimensions;
    PyTorch also broadcasts them and skips dimensions (None)."""

    def check(node: fx.Node) -> bool:
        indices = node.args[position]
        if not indices or any(not isinstance(index, fx.Node) for index in indices):
            return False
        shapes = {tuple(_tensors_of(index)[0].shape) for index in indices if _tensors_of(index)}
        return len(shapes) == 1

    return check


def _index_put_covers_every_dimension(node: fx.Node) -> bool:
    """TVM's index_put needs one index tensor per dimension of the data."""
    data, indices = node.args[0], node.args[1]
    if any(not isinstance(index, fx.Node) for index in indices):
        return False
    shapes = {tuple(_tensors_of(index)[0].shape) for index in indices if _tensors_of(index)}
    return len(shapes) == 1 and len(indices) == _tensors_of(data)[0].dim()


def _index_is_a_vector(node: fx.Node) -> bool:
    """TVM's take rejects the 0-dim data and index PyTorch's index_select accepts."""
    data, index = node.args[0], node.args[2]
    return (
        isinstance(index, fx.Node)
        and _tensors_of(index)[0].dim() == 1
        and _tensors_of(data)[0].dim() >= 1
    )


def _both_bounds_unless_floating(node: fx.Node) -> bool:
    """TVM's clamp stands in infinity for a missing bound, which an integer tensor cannot
    hold ("Cannot convert infinity to BigInt")."""
    values = _tensors_of(node)
    bounds = [node.args[i] if len(node.args) > i else None for i in (1, 2)]
    floating = bool(values) and values[0].dtype.is_floating_point
    return floating or all(bound is not None for bound in bounds)


# Predicates a node must also satisfy, keyed by the converter-table name.
OVERRIDES: Mapping[str, Callable[[fx.Node], bool]] = {
    "getitem": _producer_supported,
    "convolution.default": lambda node: _float32_result(node) and _not_transposed_3d(node),
    "conv1d.default": _float32_result,
    "conv2d.default": _float32_result,
    "conv3d.default": _float32_result,
    "conv_transpose1d.default": _float32_result,
    "conv_transpose2d.input": _float32_result,
    "addmm.default": _float32_result,
    "native_layer_norm.default": _only_the_result_is_used,
    "native_group_norm.default": _only_the_result_is_used,
    "max_pool2d_with_indices.default": _only_the_result_is_used,
    "max_pool3d_with_indices.default": _only_the_result_is_used,
    "_native_batch_norm_legit_functional.default": _not_training(5),
    "batch_norm.default": _not_training(5),
    "_native_batch_norm_legit.no_stats": lambda node: False,
    "as_strided.default": _contiguous_strides,
    "where.self": _operands_of_the_result_dtype,
    "clamp.default": _both_bounds_unless_floating,
    # Their second output, the indices, comes back as float32.
    "max_pool2d_with_indices.default": _only_the_result_is_used,
    "max_pool3d_with_indices.default": _only_the_result_is_used,
    "index.Tensor": _indices_of_one_shape(1),
    "index_put.default": _index_put_covers_every_dimension,
    "index_put_.default": _index_put_covers_every_dimension,
    "index_select.default": _index_is_a_vector,
    "avg_pool2d.default": _no_divisor_override(6),
    "avg_pool3d.default": _no_divisor_override(6),
}

# Converter-table entries that give wrong results, found by the OpInfo sweep
# (benchmarks/opinfo_sweep.py): PyTorch runs them.
WRONG_ON_TVM: Mapping[str, str] = {
    "_upsample_bilinear2d_aa.default": "antialiased resize computed without the antialias filter",
}


def is_supported(node: fx.Node) -> bool:
    """Whether TVM can take this node, by the converter table plus OVERRIDES."""
    if node.op != "call_function":
        return False
    target = node.target
    if target is operator.getitem:
        name = "getitem"
    elif isinstance(target, torch._ops.OpOverload) and target.namespace == "aten":
        # Custom ops (torch.library) may share a short name with an ATen op; only the
        # aten namespace is what the table means.
        name = target.__name__
    else:
        return False
    if name not in tvm_converter_names() or name in WRONG_ON_TVM:
        return False
    if name != "getitem":
        checks = (_computes_tensors, _deterministic, _no_dimension_of_a_scalar)
        if not all(check(node) for check in checks):
            return False
    if not (_tensor_dtypes_supported(node) and _static_shapes(node)):
        return False
    override = OVERRIDES.get(name)
    if override is not None and not override(node):
        return False
    return not probe.needs_probe(node) or probe.builds_alone(node)


class TVMOperatorSupport(OperatorSupportBase):
    """The capability check handed to torch's CapabilityBasedPartitioner."""

    def is_node_supported(self, submodules: Mapping[str, torch.nn.Module], node: fx.Node) -> bool:
        return is_supported(node)
