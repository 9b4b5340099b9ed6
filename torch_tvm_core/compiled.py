"""The module users get back: captures, partitions and lowers once per input shape."""

from __future__ import annotations

import dataclasses
import logging
import operator
import time
from collections import Counter
from collections.abc import Hashable, Sequence
from typing import Any

import torch
from torch import fx
from torch.utils import _pytree as pytree

from torch_tvm_core import capture
from torch_tvm_core.lru import LRUCache
from torch_tvm_core.partition import Partitioning, partition
from torch_tvm_core.runtime import TVMSubgraph
from torch_tvm_core.settings import Settings
from torch_tvm_core.specs import input_spec, shapes_and_dtypes

_log = logging.getLogger(__name__)


@dataclasses.dataclass
class Plan:
    """One captured and partitioned program, valid for one input spec.

    graph_module takes the flattened inputs and returns flat outputs that out_spec
    rebuilds; when capture failed it is the source itself and out_spec is None.
    """

    graph_module: fx.GraphModule | capture.ProgramSource
    out_spec: pytree.TreeSpec | None
    subgraphs: list[TVMSubgraph]
    fallback_ops: Counter[str]
    capture_seconds: float
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
    def of(
        cls, graph_module: fx.GraphModule, subgraphs: list[TVMSubgraph]
    ) -> WholeGraphCall | None:
        if len(subgraphs) != 1:
            return None
        nodes = list(graph_module.graph.nodes)
        placeholders = [node for node in nodes if node.op == "placeholder"]
        calls = [node for node in nodes if node.op == "call_module"]
        output = nodes[-1]
        if len(calls) != 1 or list(calls[0].args) != placeholders or calls[0].kwargs:
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
        return cls(subgraphs[0], tuple(indices))


@dataclasses.dataclass
class PlanCounters:
    """Kept outside nn.Module attributes, whose assignment is slow on the hot path."""

    hits: int = 0
    misses: int = 0
    last_plan: Plan | None = None


class CompiledModel(torch.nn.Module):
    """Runs `source` with its TVM-capable parts on TVM and the rest in PyTorch."""

    def __init__(self, source: capture.ProgramSource, settings: Settings) -> None:
        super().__init__()
        # Held outside nn.Module's registry: the source is what we compile, not a child
        # whose parameters this module owns twice.
        self.__dict__["source"] = source
        self.settings = settings
        self._plans: LRUCache[Hashable, Plan] = LRUCache(settings.cache_size)
        self.counters = PlanCounters()

    @property
    def last_plan(self) -> Plan | None:
        return self.counters.last_plan

    def forward(self, *args: Any) -> Any:
        if all(isinstance(arg, torch.Tensor) for arg in args):
            leaves, structure = args, None
        else:
            leaves, structure = pytree.tree_flatten(args)
        spec = (shapes_and_dtypes(input_spec(leaves)), structure)
        plan = self._plans.get(spec)
        if plan is None:
            self.counters.misses += 1
            plan = self._plan_for(args)
            self._plans.put(spec, plan)
        else:
            self.counters.hits += 1
        self.counters.last_plan = plan
        with torch.no_grad():
            return plan.run(args if plan.out_spec is None else leaves)

    def plans(self) -> list[Plan]:
        return self._plans.values()

    def _plan_for(self, args: Sequence[Any]) -> Plan:
        started = time.perf_counter()
        try:
            program = capture.export_program(self.source, args)
        except Exception as exc:
            if self.settings.strict:
                raise
            # A program export cannot capture still runs, all of it in PyTorch.
            _log.warning("running in PyTorch: capturing the program failed: %s", exc)
            return Plan(
                graph_module=self.source,
                out_spec=None,
                subgraphs=[],
                fallback_ops=Counter(),
                capture_seconds=time.perf_counter() - started,
                capture_error=f"{type(exc).__name__}: {exc}"[:500],
            )
        partitioning = partition(
            capture.aten_graph(program),
            min_subgraph_size=self.settings.min_subgraph_size,
            strict=self.settings.strict,
        )
        subgraphs = _install_runtimes(partitioning, self.settings)
        whole_graph = WholeGraphCall.of(partitioning.graph_module, subgraphs)
        return Plan(
            graph_module=partitioning.graph_module,
            out_spec=program.call_spec.out_spec,
            subgraphs=subgraphs,
            fallback_ops=partitioning.fallback_ops,
            capture_seconds=time.perf_counter() - started,
            whole_graph=whole_graph,
        )


def _install_runtimes(partitioning: Partitioning, settings: Settings) -> list[TVMSubgraph]:
    graph_module = partitioning.graph_module
    runtimes = []
    for name, ops in partitioning.subgraph_ops.items():
        runtime = TVMSubgraph(name, getattr(graph_module, name), ops, settings)
        setattr(graph_module, name, runtime)
        runtimes.append(runtime)
    return runtimes
