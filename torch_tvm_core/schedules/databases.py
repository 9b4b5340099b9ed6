"""The tuning databases we ship, one per CPU model or vector ISA, and how TVM opens one.

Which database a compile applies (a named one, the applied one, or the shipped one) is
decided in torch_tvm_core.tuning_database.
"""

from __future__ import annotations

import pathlib

from tvm.s_tir import meta_schedule as ms
from tvm.target import Target, codegen

from torch_tvm_core.schedules.cpu import has_avx512

SHIPPED_DIR = pathlib.Path(__file__).parent / "databases"
RECORDS_FILE = "database_tuning_record.json"
WORKLOADS_FILE = "database_workload.json"


def is_database(path: pathlib.Path) -> bool:
    return (path / RECORDS_FILE).is_file() and (path / WORKLOADS_FILE).is_file()


def open_database(path: pathlib.Path) -> ms.database.JSONDatabase:
    return ms.database.JSONDatabase(
        path_workload=str(path / WORKLOADS_FILE),
        path_tuning_record=str(path / RECORDS_FILE),
        allow_missing=True,
    )


def database_for_cpu(target: Target) -> pathlib.Path | None:
    """The database a compile for `target` applies when the caller named none and applied none."""
    return shipped_database(target)


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
