"""The module users get back: captures, partitions and lowers once per input shape."""

from __future__ import annotations

import dataclasses
import logging
import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

import torch
from torch import fx

from torch_tvm_core import capture
from torch_tvm_core.lru import LRUCache
from torch_tvm_core.partition import Partitioning, partition
from torch_tvm_core.runtime import TVMSubgraph
from torch_tvm_core.settings import Settings
from torch_tvm_core.specs import InputSpec, input_spec, shapes_and_dtypes

_log = logging.getLogger(__name__)


@dataclasses.dataclass
class Plan:
    """One captured and partitioned program, valid for one input spec."""

    graph_module: fx.GraphModule | capture.ProgramSource
    subgraphs: list[TVMSubgraph]
    fallback_ops: Counter[str]
    capture_seconds: float
    capture_error: str | None = None


class CompiledModel(torch.nn.Module):
    """Runs `source` with its TVM-capable parts on TVM and the rest in PyTorch."""

    def __init__(self, source: capture.ProgramSource, settings: Settings) -> None:
        super().__init__()
        # Held outside nn.Module's registry: the source is what we compile, not a child
        # whose parameters this module owns twice.
        self.__dict__["source"] = source
        self.settings = settings
        self._plans: LRUCache[InputSpec, Plan] = LRUCache(settings.cache_size)
        self.plan_hits = 0
        self.plan_misses = 0
        self.last_plan: Plan | None = None

    def forward(self, *args: Any) -> Any:
        spec = shapes_and_dtypes(input_spec(args))
        plan = self._plans.get(spec)
        if plan is None:
            self.plan_misses += 1
            plan = self._plan_for(args)
            self._plans.put(spec, plan)
        else:
            self.plan_hits += 1
        self.last_plan = plan
        with torch.no_grad():
            return plan.graph_module(*args)

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
        return Plan(
            graph_module=partitioning.graph_module,
            subgraphs=subgraphs,
            fallback_ops=partitioning.fallback_ops,
            capture_seconds=time.perf_counter() - started,
        )


def _install_runtimes(partitioning: Partitioning, settings: Settings) -> list[TVMSubgraph]:
    graph_module = partitioning.graph_module
    runtimes = []
    for name, ops in partitioning.subgraph_ops.items():
        runtime = TVMSubgraph(name, getattr(graph_module, name), ops, settings)
        setattr(graph_module, name, runtime)
        runtimes.append(runtime)
    return runtimes
