"""What a compile builds for, resolved once from the settings and carried to every stage."""

from __future__ import annotations

import dataclasses
import functools
import os

import torch
import tvm
from tvm.s_tir import meta_schedule as ms

from torch_tvm_core.errors import TuningDatabaseError
from torch_tvm_core.schedules import databases
from torch_tvm_core.settings import Settings
from torch_tvm_core.tuning_database import TuningDatabase, TuningDbOption, resolve_tuning_database


def default_target(num_threads: int | None = None) -> tvm.target.Target:
    """The LLVM target of this machine's CPU.

    TVM 0.27 rejects `-mcpu=` target strings, so the target is built in dict form.
    """
    cores = num_threads if num_threads is not None else os.cpu_count() or 1
    return tvm.target.Target(
        {
            "kind": "llvm",
            "mcpu": tvm.target.codegen.llvm_get_system_cpu(),
            "num-cores": cores,
        }
    )


@dataclasses.dataclass(frozen=True)
class Toolchain:
    """The target, optimisation level and tuning database of one compile.

    Resolving checks the database, so a bad one raises here, before anything is captured.
    """

    target: tvm.target.Target
    opt_level: int
    tuning: TuningDatabase | None

    @classmethod
    def resolve(cls, settings: Settings) -> Toolchain:
        target = settings.target or default_target(torch.get_num_threads())
        return cls.for_target(target, opt_level=settings.opt_level, tuning_db=settings.tuning_db)

    @classmethod
    def for_target(
        cls, target: tvm.target.Target, *, opt_level: int, tuning_db: TuningDbOption
    ) -> Toolchain:
        return cls(target, opt_level, resolve_tuning_database(tuning_db, target))

    @functools.cached_property
    def database(self) -> ms.database.Database | None:
        """The tuning database's tuned schedules opened for TVM, once per compile (parsing it
        takes a while)."""
        if self.tuning is None:
            return None
        try:
            return databases.open_tuned_schedules(self.tuning.path)
        except Exception as exc:  # TVM raises its own error types for unreadable records
            raise TuningDatabaseError(
                f"TVM cannot read tuning database {self.tuning.name!r}: {exc}"
            ) from exc
