"""A plan: one captured, partitioned and compiled program, valid for one input spec."""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Sequence
from typing import Any

from torch import fx
from torch.utils import _pytree as pytree

from torch_tvm_core import capture
from torch_tvm_core.pipeline import KernelCounts
from torch_tvm_core.runtime import TVMSubgraph
from torch_tvm_core.workload import Work


@dataclasses.dataclass(frozen=True)
class SubgraphRecord:
    """How one subgraph was compiled; explain() reads it.

    failure: why TVM could not compile it (it then runs in PyTorch), else None.
    executable_key: its executable's name in the disk cache, where there is one.
    """

    name: str
    inputs: str
    work: Work
    stage_seconds: dict[str, float]
    compile_seconds: float
    from_disk: bool
    kernels: KernelCounts
    failure: str | None = None
    executable_key: str | None = None

    @property
    def ran_on_tvm(self) -> bool:
        return self.failure is None


@dataclasses.dataclass
class Plan:
    """graph_module takes the flattened inputs and returns flat outputs that out_spec
    rebuilds; when capture failed it is the source itself and out_spec is None.

    fallback: the work partitioning left in PyTorch (subgraphs that failed to compile not
    included); None when nothing was captured.
    """

    graph_module: fx.GraphModule | capture.ProgramSource
    out_spec: pytree.TreeSpec | None
    subgraphs: list[SubgraphRecord]
    fallback: Work | None
    stage_seconds: dict[str, float]
    capture_error: str | None = None
    whole_graph: WholeGraphCall | None = None

    def run(self, inputs: Sequence[Any]) -> Any:
        if self.whole_graph is not None:
            outputs = self.whole_graph.run(inputs)
        else:
            outputs = self.graph_module(*inputs)
        return outputs if self.out_spec is None else pytree.tree_unflatten(outputs, self.out_spec)


@dataclasses.dataclass(frozen=True)
class WholeGraphCall:
    """The plan is one TVM subgraph fed the inputs in order: call it without the FX
    interpreter in between, which costs more than the TVM call itself on small models."""

    subgraph: TVMSubgraph
    output_indices: tuple[int, ...]

    def run(self, inputs: Sequence[Any]) -> tuple[Any, ...]:
        outputs = self.subgraph.forward(*inputs)
        return tuple(outputs[index] for index in self.output_indices)

    @classmethod
    def of(cls, graph_module: fx.GraphModule) -> WholeGraphCall | None:
        nodes = list(graph_module.graph.nodes)
        placeholders = [node for node in nodes if node.op == "placeholder"]
        calls = [node for node in nodes if node.op == "call_module"]
        output = nodes[-1]
        if len(calls) != 1 or list(calls[0].args) != placeholders or calls[0].kwargs:
            return None
        subgraph = graph_module.get_submodule(calls[0].target)
        if not isinstance(subgraph, TVMSubgraph):
            return None
        indices = []
        for result in output.args[0]:
            is_item = (
                isinstance(result, fx.Node)
                and result.op == "call_function"
                and result.target is operator.getitem
                and result.args[0] is calls[0]
            )
            if not is_item:
                return None
            indices.append(result.args[1])
        return cls(subgraph, tuple(indices))
