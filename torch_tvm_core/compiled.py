"""The module users get back: one plan per input spec, planned on the spec's first call."""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable
from typing import Any

import torch
from torch.utils import _pytree as pytree

from torch_tvm_core import capture, planner
from torch_tvm_core.disk_cache import ExecutableCache
from torch_tvm_core.lru import LRUCache
from torch_tvm_core.plan import Plan
from torch_tvm_core.settings import Settings
from torch_tvm_core.specs import input_spec
from torch_tvm_core.toolchain import Toolchain


@dataclasses.dataclass
class PlanCounters:
    """Kept outside nn.Module attributes, whose assignment is slow on the hot path."""

    hits: int = 0
    misses: int = 0
    last_plan: Plan | None = None


class CompiledModel(torch.nn.Module):
    """Runs `source` with its TVM-capable parts on TVM and the rest in PyTorch.

    The toolchain (target, tuning database) is resolved here, once: a bad tuning database
    raises now, not on the first call. A caller that builds many models from one set of
    settings may pass the toolchain it resolved.
    """

    def __init__(
        self,
        source: capture.ProgramSource,
        settings: Settings,
        toolchain: Toolchain | None = None,
    ) -> None:
        super().__init__()
        # Held outside nn.Module's registry: the source is what we compile, not a child
        # whose parameters this module owns twice.
        self.__dict__["source"] = source
        self.settings = settings
        self.toolchain = toolchain or Toolchain.resolve(settings)
        self._disk = ExecutableCache(settings.cache_dir) if settings.cache_dir else None
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
        spec = (input_spec(leaves), structure)
        plan = self._plans.get(spec)
        if plan is None:
            self.counters.misses += 1
            plan = planner.plan(self.source, args, self.toolchain, self.settings, self._disk)
            self._plans.put(spec, plan)
        else:
            self.counters.hits += 1
        self.counters.last_plan = plan
        with torch.no_grad():
            return plan.run(args if plan.out_spec is None else leaves)

    def plans(self) -> list[Plan]:
        return self._plans.values()
