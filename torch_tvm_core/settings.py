"""The options of the backend, as one validated, immutable value."""

from __future__ import annotations

import dataclasses
import os
import pathlib
from typing import Any, Literal

import platformdirs
import tvm
from tvm.target import codegen

from torch_tvm_core.errors import SettingsError, TargetError
from torch_tvm_core.tuning_database import check_tuning_database

CACHE_DIR_ENV = "TORCH_TVM_CORE_CACHE_DIR"


def default_cache_dir() -> pathlib.Path | None:
    """Where compiled executables persist between processes; env value "off" disables it."""
    configured = os.environ.get(CACHE_DIR_ENV)
    if configured is None:
        return pathlib.Path(platformdirs.user_cache_dir("torch_tvm_core"))
    if configured.strip().lower() in {"", "off", "none", "0"}:
        return None
    return pathlib.Path(configured)


@dataclasses.dataclass(frozen=True)
class Settings:
    """How models are partitioned, lowered and cached.

    opt_level: TVM's PassContext level, 0 (no optimisation) to 4.
    strict: raise instead of falling back to PyTorch, for unsupported operators and
        for subgraphs TVM fails to compile.
    target: a tvm.target.Target, or anything Target() accepts (dict form); None means
        the host CPU with as many threads as torch uses.
    tuning_db: a MetaSchedule JSON database directory applied when compiling, checked
        here (TuningDatabaseError when it is not one); None for the database given to
        apply_tuning() or shipped for this CPU, False for the default schedules only.
    min_subgraph_size: subgraphs with fewer compute operators stay in PyTorch.
    cache_size: compiled input specs kept in memory per model (least recently used go).
    cache_dir: the persistent cache of compiled executables; None disables it.
    """

    opt_level: int = 3
    strict: bool = False
    target: tvm.target.Target | None = None
    tuning_db: pathlib.Path | Literal[False] | None = None
    min_subgraph_size: int = 2
    cache_size: int = 16
    cache_dir: pathlib.Path | None = dataclasses.field(default_factory=default_cache_dir)

    def __post_init__(self) -> None:
        _require(
            isinstance(self.opt_level, int) and not isinstance(self.opt_level, bool),
            f"opt_level must be an int from 0 to 4, got {self.opt_level!r}",
        )
        _require(0 <= self.opt_level <= 4, f"opt_level must be from 0 to 4, got {self.opt_level}")
        _require(isinstance(self.strict, bool), f"strict must be a bool, got {self.strict!r}")
        _require(
            _is_positive_int(self.min_subgraph_size),
            f"min_subgraph_size must be an int >= 1, got {self.min_subgraph_size!r}",
        )
        _require(
            _is_positive_int(self.cache_size),
            f"cache_size must be an int >= 1, got {self.cache_size!r}",
        )
        object.__setattr__(self, "target", _as_target(self.target))
        object.__setattr__(self, "tuning_db", _as_tuning_database(self.tuning_db))
        if self.cache_dir is not None:
            object.__setattr__(self, "cache_dir", pathlib.Path(self.cache_dir))

    @classmethod
    def from_options(cls, **options: Any) -> Settings:
        """Settings from keyword options, naming the valid ones when a name is wrong."""
        valid = {field.name for field in dataclasses.fields(cls)}
        unknown = sorted(set(options) - valid)
        if unknown:
            raise SettingsError(
                f"unknown option(s) {', '.join(unknown)}; valid options: {', '.join(sorted(valid))}"
            )
        return cls(**options)


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise SettingsError(message)


def _is_positive_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _as_target(value: object) -> tvm.target.Target | None:
    if value is None:
        return None
    if not isinstance(value, tvm.target.Target | str | dict):
        raise TargetError(f"target must be a tvm.target.Target, dict or str, got {value!r}")
    try:
        target = value if isinstance(value, tvm.target.Target) else tvm.target.Target(value)
    except Exception as exc:  # TVM raises its own error types for bad targets
        raise TargetError(f"target {value!r} is not a valid TVM target: {exc}") from exc
    # TVM accepts both of these and only fails (or silently emits generic code) when building,
    # where the mistake would look like a subgraph TVM cannot compile.
    if target.kind.name != "llvm":
        raise TargetError(
            f"target kind {target.kind.name!r} is not supported: torch_tvm_core builds for "
            "the CPU through LLVM (kind 'llvm')"
        )
    cpu = str(target.attrs.get("mcpu", ""))
    triple = str(target.attrs.get("mtriple", "")) or codegen.llvm_get_system_triple()
    if cpu and not codegen.llvm_is_valid_cpu(cpu, triple):
        raise TargetError(f"target {value!r}: LLVM knows no CPU {cpu!r} for {triple}")
    return target


def _as_tuning_database(value: object) -> pathlib.Path | Literal[False] | None:
    if value is None or value is False:
        return value
    if not isinstance(value, str | os.PathLike):
        raise SettingsError(f"tuning_db must be a path, None or False, got {value!r}")
    check_tuning_database(value)
    return pathlib.Path(value)
