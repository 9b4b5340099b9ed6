"""The errors torch_tvm_core raises on purpose."""

from __future__ import annotations

from collections.abc import Iterable


class SettingsError(ValueError):
    """An option given to enable()/compile() has a wrong name, type or value."""


class UnsupportedOperatorError(RuntimeError):
    """strict=True, and the graph holds operators TVM cannot take."""

    def __init__(self, ops: Iterable[str]) -> None:
        self.ops = tuple(sorted(set(ops)))
        super().__init__(
            "TVM cannot lower these operators (strict=True forbids falling back "
            f"to PyTorch): {', '.join(self.ops)}"
        )


class LoweringError(RuntimeError):
    """strict=True, and TVM failed to compile a subgraph."""
