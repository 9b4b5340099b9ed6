"""The errors torch_tvm_core raises on purpose."""

from __future__ import annotations

import os
from collections.abc import Iterable


class SettingsError(ValueError):
    """An option given to enable()/compile() has a wrong name, type or value."""


class TargetError(SettingsError):
    """The target is not one TVM knows, or not a CPU that torch_tvm_core can build for."""


class TuningDatabaseError(SettingsError):
    """A path given as a tuning database is missing or is not a MetaSchedule JSON database."""


class TuningBusyError(RuntimeError):
    """Another process is tuning the same database."""

    def __init__(self, database: os.PathLike | str, pid: int | None) -> None:
        self.database, self.pid = database, pid
        holder = f"process {pid}" if pid else "another process"
        super().__init__(f"{database} is being tuned by {holder}; wait for it to finish, or tune into another database")


class UnsupportedOperatorError(RuntimeError):
    """The graph holds operators TVM cannot take, where falling back is not allowed
    (strict=True, or to_relax(), which lowers the whole graph)."""

    def __init__(
        self, ops: Iterable[str], reason: str = "strict=True forbids falling back to PyTorch"
    ) -> None:
        self.ops = tuple(sorted(set(ops)))
        super().__init__(f"TVM cannot lower these operators ({reason}): {', '.join(self.ops)}")


class LoweringError(RuntimeError):
    """strict=True, and TVM failed to compile a subgraph."""
