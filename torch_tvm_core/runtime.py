"""The nn.Module that runs one partitioned subgraph on TVM, or in PyTorch when it must."""

from __future__ import annotations

import dataclasses
import logging
import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

import torch
import tvm
from torch import fx
from tvm import relax

from torch_tvm_core import lower, threads
from torch_tvm_core.disk_cache import ExecutableCache, cache_key
from torch_tvm_core.errors import LoweringError
from torch_tvm_core.lru import LRUCache
from torch_tvm_core.settings import Settings
from torch_tvm_core.specs import InputSpec, input_spec, shapes_and_dtypes

_log = logging.getLogger(__name__)
PROFILER_SPAN = "TVM"


@dataclasses.dataclass
class SubgraphStats:
    """What happened to one subgraph so far; explain() reads it."""

    ops: Counter[str]
    compile_seconds: dict[str, float] = dataclasses.field(default_factory=dict)
    cache_hits: int = 0
    cache_misses: int = 0
    disk_cache_hits: int = 0
    failures: dict[str, str] = dataclasses.field(default_factory=dict)
    last_call_fell_back: bool = False


class CompiledExecutable:
    """A loaded VM and the zero-copy calling convention around it."""

    def __init__(self, module: relax.VMExecutable | tvm.runtime.Module) -> None:
        self._vm = relax.VirtualMachine(module, tvm.cpu())
        self._main = self._vm["main"]

    def __call__(self, args: Sequence[torch.Tensor]) -> tuple[torch.Tensor, ...]:
        threads.match_torch_threads()
        # TVM reads tensors as dense row-major buffers, so strided views are made
        # compact first; contiguous tensors cross without a copy.
        tvm_args = [tvm.runtime.from_dlpack(arg.detach().contiguous()) for arg in args]
        if torch.autograd.profiler._is_profiler_enabled:
            with torch.profiler.record_function(PROFILER_SPAN):
                outputs = self._main(*tvm_args)
        else:
            outputs = self._main(*tvm_args)
        return tuple(torch.from_dlpack(output) for output in outputs)


class TVMSubgraph(torch.nn.Module):
    """Runs `fallback` (an ATen GraphModule) on TVM, compiling once per input spec.

    Specs that failed to compile are remembered and go straight to PyTorch.
    """

    def __init__(
        self, name: str, fallback: fx.GraphModule, ops: Counter[str], settings: Settings
    ) -> None:
        super().__init__()
        self.name = name
        self.fallback = fallback
        self.settings = settings
        self.stats = SubgraphStats(ops=ops)
        self._executables: LRUCache[InputSpec, CompiledExecutable] = LRUCache(settings.cache_size)
        self._failed: set[InputSpec] = set()
        self._disk = ExecutableCache(settings.cache_dir) if settings.cache_dir else None

    def forward(self, *args: Any) -> tuple[torch.Tensor, ...]:
        spec = input_spec(args)
        executable = self._executables.get(spec)
        if executable is not None:
            self.stats.cache_hits += 1
            self.stats.last_call_fell_back = False
            return executable(args)
        if shapes_and_dtypes(spec) in self._failed:
            self.stats.last_call_fell_back = True
            return self.fallback(*args)
        executable = self._executable_for(spec, args)
        self.stats.last_call_fell_back = executable is None
        if executable is None:
            return self.fallback(*args)
        return executable(args)

    def _executable_for(self, spec: InputSpec, args: Sequence[Any]) -> CompiledExecutable | None:
        compile_key = shapes_and_dtypes(spec)
        # Another stride pattern of the same shapes already compiled: share it.
        for known_spec in self._executables.keys():
            if shapes_and_dtypes(known_spec) == compile_key:
                executable = self._executables.get(known_spec)
                self._executables.put(spec, executable)
                self.stats.cache_hits += 1
                return executable
        self.stats.cache_misses += 1
        started = time.perf_counter()
        try:
            executable = CompiledExecutable(self._compile(args))
        except Exception as exc:
            if self.settings.strict:
                raise LoweringError(f"TVM failed to compile subgraph {self.name}: {exc}") from exc
            _log.warning(
                "subgraph %s runs in PyTorch: TVM failed to compile it: %s", self.name, exc
            )
            self._failed.add(compile_key)
            self.stats.failures[_describe(spec)] = f"{type(exc).__name__}: {exc}"[:500]
            return None
        self.stats.compile_seconds[_describe(spec)] = time.perf_counter() - started
        self._executables.put(spec, executable)
        return executable

    def _compile(self, args: Sequence[Any]) -> relax.VMExecutable | tvm.runtime.Module:
        inputs = [
            arg.detach().contiguous() if isinstance(arg, torch.Tensor) else arg for arg in args
        ]
        target = lower.target_for(self.settings)
        key = None
        if self._disk is not None:
            tuning_db = lower.tuning_database(self.settings, target)
            key = cache_key(self.fallback, inputs, self.settings, target, tuning_db)
            cached = self._disk.load(key)
            if cached is not None:
                self.stats.disk_cache_hits += 1
                return cached
        module = lower.subgraph_relax_module(self.fallback, inputs)
        executable = lower.build(module, self.settings)
        if self._disk is not None and key is not None:
            self._disk.store(key, executable)
        return executable


def _describe(spec: InputSpec) -> str:
    return ", ".join(
        f"{part[0].dtype}{list(part[0].shape)}".replace("torch.", "")
        if part[0] != "value"
        else part[2]
        for part in spec
    )
