"""The tuning databases for this CPU, and how TVM opens one.

A compile that names no database and applied none uses database_for_cpu(): the one `tune()`
wrote for this CPU on this machine, else a shipped database tuned on this same CPU model,
else none (the default schedules). Schedules tuned on one CPU made another CPU of the same ISA
level 5-25% slower than the default schedules, so a database is never chosen for a CPU it was
not measured on. Which database a compile applies overall (a named one, the applied one, or
this one) is decided in torch_tvm_core.tuning_database.
"""

from __future__ import annotations

import json
import os
import pathlib

import platformdirs
from tvm.s_tir import meta_schedule as ms
from tvm.target import Target

from torch_tvm_core.schedules.conv_decisions import (
    recorded_decisions,
    samples_only_categories,
    trace_to_apply,
)
from torch_tvm_core.schedules.cpu import CpuIdentity, cpu_identity

SHIPPED_DIR = pathlib.Path(__file__).parent / "databases"
MANIFEST_FILE = "manifest.json"
TUNING_DIR_ENV = "TORCH_TVM_CORE_TUNING_DIR"
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


def open_tuned_schedules(path: pathlib.Path) -> ms.database.MemoryDatabase:
    """The records of the database at `path` that beat the default schedule when tuned, with
    their decisions replayed through today's conv rule.

    A record that kept the default says "the default rule is best here"; its trace is the
    default rule of the day it was tuned, so applying it would pin that day's default (its
    loops, its threads' split) against every later improvement of the rule. Those kernels take
    today's default rule instead; the tuner still reads them from `path`, and skips them.
    A tuned record's trace pins the same things around its decisions, so only its decisions
    are kept (conv_decisions.trace_to_apply), and only while today's rule still offers the
    candidates they were chosen among.
    """
    tuned = ms.database.MemoryDatabase()
    for record in open_database(path).get_all_tuning_records():
        trace = None if is_default(record) else trace_to_apply(record)
        if trace is not None:
            tuned.commit_tuning_record(
                ms.database.TuningRecord(
                    trace, tuned.commit_workload(record.workload.mod), record.run_secs,
                    record.target, record.args_info,
                )
            )
    return tuned


def is_default(record: ms.database.TuningRecord) -> bool:
    """Whether the record is the conv rule's untuned schedule: every decision took its first
    candidate."""
    return samples_only_categories(record.trace) and all(
        decision.index == 0 for decision in recorded_decisions(record.trace)
    )


def still_holds(record: ms.database.TuningRecord) -> bool:
    """Whether what the record found still holds for today's rule: it kept the default, or its
    decisions replay through today's rule. A tuner skips only kernels that have such a record."""
    return is_default(record) or trace_to_apply(record) is not None


def database_for_cpu(target: Target) -> pathlib.Path | None:
    """The database a compile for `target` applies when the caller named none and applied none."""
    own = machine_database(target)
    return own if is_database(own) else shipped_database(target)


def shipped_database(target: Target, directory: pathlib.Path = SHIPPED_DIR) -> pathlib.Path | None:
    """The database in `directory`'s manifest that was tuned on this very CPU model, if any."""
    identity = cpu_identity(target)
    for entry in shipped_manifest(directory):
        tuned_on = CpuIdentity(entry["cpu_model"], entry["llvm_cpu"], entry["isa"])
        if tuned_on == identity and is_database(directory / entry["directory"]):
            return directory / entry["directory"]
    return None


def shipped_manifest(directory: pathlib.Path = SHIPPED_DIR) -> list[dict]:
    """The manifest's entries: directory, cpu_model, llvm_cpu, isa, and how it was tuned."""
    path = directory / MANIFEST_FILE
    if not path.is_file():
        return []
    return list(json.loads(path.read_text())["databases"])


def machine_database(target: Target) -> pathlib.Path:
    """Where `tune()` keeps what it measured on this machine for this CPU (may not exist yet).

    Under $TORCH_TVM_CORE_TUNING_DIR, else the user data directory; one folder per CPU
    identity, so a home directory shared by different machines keeps them apart.
    """
    configured = os.environ.get(TUNING_DIR_ENV)
    root = (
        pathlib.Path(configured)
        if configured
        else pathlib.Path(platformdirs.user_data_dir("torch_tvm_core")) / "tuning"
    )
    return root / cpu_identity(target).key
