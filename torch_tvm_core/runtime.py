"""The nn.Modules a plan runs: a compiled subgraph on TVM, or its ATen graph in PyTorch.

Nothing here compiles; the planner hands each subgraph its executable, or none when TVM
could not compile it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
import tvm
from torch import fx
from tvm import relax

from torch_tvm_core import threads

PROFILER_SPAN = "TVM"


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
    """One partitioned subgraph: its executable when there is one, else `fallback` (the
    ATen GraphModule) in PyTorch. A subgraph loaded without capture has no fallback."""

    def __init__(
        self, name: str, fallback: fx.GraphModule | None, executable: CompiledExecutable | None
    ) -> None:
        super().__init__()
        self.name = name
        self.fallback = fallback
        self.executable = executable

    def forward(self, *args: Any) -> tuple[torch.Tensor, ...]:
        if self.executable is None:
            return self.fallback(*args)
        return self.executable(args)
