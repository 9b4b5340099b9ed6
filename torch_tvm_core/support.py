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
    return all(tensor.dtype not in _UNSUPPORTED_DTYPES for tensor in tensors)


def _static_shapes(node: fx.Node) -> bool:
    return all(all(isinstance(size, int) for size in value.shape) for value in _tensors_of(node))


# Predicates a node must also satisfy, keyed by the converter-table name.
OVERRIDES: Mapping[str, Callable[[fx.Node], bool]] = {
    "getitem": _producer_supported,
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
    if name not in tvm_converter_names():
        return False
    if not (_tensor_dtypes_supported(node) and _static_shapes(node)):
        return False
    override = OVERRIDES.get(name)
    return override is None or override(node)


class TVMOperatorSupport(OperatorSupportBase):
    """The capability check handed to torch's CapabilityBasedPartitioner."""

    def is_node_supported(self, submodules: Mapping[str, torch.nn.Module], node: fx.Node) -> bool:
        return is_supported(node)
