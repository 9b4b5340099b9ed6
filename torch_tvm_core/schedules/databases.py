"""Which tuning database a compile uses: a given one, the applied one, or the one we ship.

`tuning_db=None` means "the database applied with apply_tuning(), else the shipped database
for this host's CPU, else default schedules only"; `tuning_db=False` means default schedules
only; a path means that database.
"""

from __future__ import annotations

import contextlib
import os
import pathlib

from tvm.s_tir import meta_schedule as ms
from tvm.target import Target, codegen

from torch_tvm_core.schedules.cpu import has_avx512

SHIPPED_DIR = pathlib.Path(__file__).parent / "databases"
_RECORDS_FILE = "database_tuning_record.json"
_WORKLOADS_FILE = "database_workload.json"

TuningDatabase = pathlib.Path | str | os.PathLike | bool | None

_applied: pathlib.Path | None = None


def is_database(path: pathlib.Path) -> bool:
    return (path / _RECORDS_FILE).is_file() and (path / _WORKLOADS_FILE).is_file()


def open_database(path: pathlib.Path) -> ms.database.JSONDatabase:
    return ms.database.JSONDatabase(
        path_workload=str(path / _WORKLOADS_FILE),
        path_tuning_record=str(path / _RECORDS_FILE),
        allow_missing=True,
    )


def shipped_database(target: Target) -> pathlib.Path | None:
    """The shipped database for the target's CPU model, else for its vector ISA."""
    for name in (str(target.attrs.get("mcpu", "")), _isa_level(target)):
        if name and is_database(SHIPPED_DIR / name):
            return SHIPPED_DIR / name
    return None


def _isa_level(target: Target) -> str:
    if has_avx512(target):
        return "avx512"
    if codegen.target_has_features("avx2", target):
        return "avx2"
    return ""


def resolve(tuning_db: TuningDatabase, target: Target) -> pathlib.Path | None:
    """The database directory a compile for `target` should apply, or None for defaults only."""
    if tuning_db is False:
        return None
    if tuning_db is None or tuning_db is True:
        return _applied or shipped_database(target)
    path = pathlib.Path(tuning_db)
    if not is_database(path):
        raise FileNotFoundError(f"{path} is not a tuning database (no {_RECORDS_FILE})")
    return path


class _Applied(contextlib.AbstractContextManager):
    def __init__(self, previous: pathlib.Path | None):
        self._previous = previous

    def __exit__(self, *exc_info: object) -> None:
        global _applied
        _applied = self._previous


def apply_tuning(path: pathlib.Path | str | os.PathLike) -> contextlib.AbstractContextManager:
    """Use the database at `path` for every later compile that names no database.

    Like autotvm's apply_history_best, it also works as a context manager that restores the
    previous choice on exit. Kernels the database has no record for get the default schedules.
    """
    global _applied
    database = pathlib.Path(path)
    if not is_database(database):
        raise FileNotFoundError(f"{database} is not a tuning database (no {_RECORDS_FILE})")
    previous, _applied = _applied, database
    return _Applied(previous)
