"""enable()/disable(): make torch.jit.trace hand back modules whose supported parts run on TVM."""

from __future__ import annotations

import functools
import pathlib
import threading
from typing import Any, Literal

import torch
import tvm

from torch_tvm_core.compiled import CompiledModel
from torch_tvm_core.settings import Settings

_lock = threading.Lock()
_original_trace: Any = None
# Set while our trace runs: PyTorch's trace checker traces again through torch.jit.trace,
# and that check must be the plain trace, not a second compile on TVM.
_tracing = threading.local()


class TracedOnTVM(CompiledModel):
    """What torch.jit.trace returns while enabled: the traced program, run through TVM.

    Attributes it does not have itself (graph, code, save, ...) are the traced
    module's, so code that inspects the trace keeps working.
    """

    @property
    def traced(self) -> torch.jit.ScriptModule | torch.jit.ScriptFunction:
        return self.__dict__["source"]

    def __getattr__(self, name: str) -> Any:
        try:
            return super().__getattr__(name)
        except AttributeError:
            return getattr(self.__dict__["source"], name)


def enable(
    opt_level: int = 3,
    strict: bool = False,
    target: tvm.target.Target | dict | str | None = None,
    tuning_db: pathlib.Path | str | Literal[False] | None = None,
    **options: Any,
) -> None:
    """From now on torch.jit.trace returns modules whose supported subgraphs run on TVM.

    Calling it again replaces the options; disable() undoes it.
    """
    global _original_trace
    settings = Settings.from_options(
        opt_level=opt_level, strict=strict, target=target, tuning_db=tuning_db, **options
    )
    with _lock:
        if _original_trace is None:
            _original_trace = torch.jit.trace
        torch.jit.trace = _tracing_on_tvm(_original_trace, settings)


def disable() -> None:
    """Put PyTorch's own torch.jit.trace back; modules traced meanwhile keep using TVM."""
    global _original_trace
    with _lock:
        if _original_trace is not None:
            torch.jit.trace = _original_trace
            _original_trace = None


def is_enabled() -> bool:
    return _original_trace is not None


def _tracing_on_tvm(original: Any, settings: Settings) -> Any:
    @functools.wraps(original)
    def trace(func: Any, example_inputs: Any = None, *args: Any, **kwargs: Any) -> Any:
        if getattr(_tracing, "active", False):
            return original(func, example_inputs, *args, **kwargs)
        _tracing.active = True
        try:
            traced = original(func, example_inputs, *args, **kwargs)
        finally:
            _tracing.active = False
        return TracedOnTVM(traced, settings)

    return trace
