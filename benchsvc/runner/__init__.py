"""Measuring models: timing, statistics, correctness and the environment they ran in.

Names resolve on first use, so that commands which only read results never import torch.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "Case": "benchsvc.runner.case",
    "run_case": "benchsvc.runner.case",
    "TimingPlan": "benchsvc.runner.plan",
    "build_document": "benchsvc.runner.document",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    try:
        module = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'benchsvc.runner' has no attribute {name!r}") from None
    return getattr(import_module(module), name)
