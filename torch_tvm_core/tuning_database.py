"""Tuning databases as compiles see them: checked when named, described by their content.

A database is a MetaSchedule JSON database directory (a workload file and a record file).
check_tuning_database() reads it without TVM, so a caller can validate a path in
milliseconds before anything is built; compiles carry the description it returns.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import json
import os
import pathlib
from typing import Any, Literal

from tvm.target import Target

from torch_tvm_core.errors import TuningDatabaseError
from torch_tvm_core.schedules import databases

TuningDbOption = pathlib.Path | str | os.PathLike | Literal[False] | None


@dataclasses.dataclass(frozen=True)
class TuningDatabase:
    """A checked tuning database.

    name: the shipped database's name ("amd-epyc-znver3-avx2") or the path as given.
    sha256: of the workload file followed by the record file, so two databases with the
        same records for the same kernels have the same hash wherever they lie.
    records: tuning records (one per tuned kernel in a compacted database).
    """

    name: str
    path: pathlib.Path
    sha256: str
    records: int
    workloads: int
    shipped: bool

    def to_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "path": str(self.path)}


def check_tuning_database(path: os.PathLike | str) -> TuningDatabase:
    """Describe the database at `path`, or raise TuningDatabaseError saying what is wrong.

    Compiles nothing and loads no TVM objects: it reads the two files once.
    """
    directory = pathlib.Path(path)
    if not directory.exists():
        raise TuningDatabaseError(f"tuning database {str(directory)!r} does not exist")
    if not directory.is_dir():
        raise TuningDatabaseError(
            f"tuning database {str(directory)!r} is a file; expected a MetaSchedule database "
            f"directory holding {databases.WORKLOADS_FILE} and {databases.RECORDS_FILE}"
        )
    missing = [
        name
        for name in (databases.WORKLOADS_FILE, databases.RECORDS_FILE)
        if not (directory / name).is_file()
    ]
    if missing:
        raise TuningDatabaseError(
            f"{str(directory)!r} is not a tuning database: no {' or '.join(missing)}"
        )
    files = [directory / databases.WORKLOADS_FILE, directory / databases.RECORDS_FILE]
    stamp = tuple((file.stat().st_mtime_ns, file.stat().st_size) for file in files)
    return _described(directory.resolve(), str(path), stamp)


# Every compile resolves its database: reading and hashing it again only when it changed
# keeps that in microseconds.
@functools.lru_cache(maxsize=32)
def _described(directory: pathlib.Path, name: str, _stamp: tuple) -> TuningDatabase:
    workload_bytes = (directory / databases.WORKLOADS_FILE).read_bytes()
    record_bytes = (directory / databases.RECORDS_FILE).read_bytes()
    workloads = _count_workloads(directory, workload_bytes)
    records = _count_records(directory, record_bytes, workloads)
    digest = hashlib.sha256(workload_bytes)
    digest.update(b"\0")
    digest.update(record_bytes)
    shipped = directory.parent == databases.SHIPPED_DIR.resolve()
    return TuningDatabase(
        name=directory.name if shipped else name,
        path=directory,
        sha256=digest.hexdigest(),
        records=records,
        workloads=workloads,
        shipped=shipped,
    )


def _count_workloads(directory: pathlib.Path, content: bytes) -> int:
    # Workload lines are large (serialized TIR); their first bytes show the shape.
    lines = [line for line in content.splitlines() if line.strip()]
    for number, line in enumerate(lines, 1):
        if not line.startswith(b'["'):
            raise TuningDatabaseError(
                f"{str(directory)!r} is not a tuning database: line {number} of "
                f"{databases.WORKLOADS_FILE} is not a MetaSchedule workload"
            )
    return len(lines)


def _count_records(directory: pathlib.Path, content: bytes, workloads: int) -> int:
    count = 0
    for number, line in enumerate(content.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            record = None
        well_formed = (
            isinstance(record, list)
            and len(record) == 2
            and isinstance(record[0], int)
            and 0 <= record[0] < workloads
        )
        if not well_formed:
            raise TuningDatabaseError(
                f"{str(directory)!r} is not a tuning database: line {number} of "
                f"{databases.RECORDS_FILE} is not a tuning record of one of its workloads"
            )
        count += 1
    return count


_applied: TuningDatabase | None = None


class _Applied(contextlib.AbstractContextManager):
    def __init__(self, previous: TuningDatabase | None) -> None:
        self._previous = previous

    def __exit__(self, *exc_info: object) -> None:
        global _applied
        _applied = self._previous


def apply_tuning(path: os.PathLike | str) -> contextlib.AbstractContextManager:
    """Use the database at `path` for every later compile that names no database.

    Raises TuningDatabaseError at once when `path` is not a tuning database. Like autotvm's
    apply_history_best, it also works as a context manager that restores the previous choice
    on exit. Kernels the database has no record for get the default schedules.
    """
    global _applied
    database = check_tuning_database(path)
    previous, _applied = _applied, database
    return _Applied(previous)


def resolve_tuning_database(option: TuningDbOption, target: Target) -> TuningDatabase | None:
    """The database a compile for `target` applies: a named one, else the one given to
    apply_tuning(), else the one schedules.databases chooses for this CPU; None (or option
    False) for the default schedules only."""
    if option is False:
        return None
    if option is not None:
        return check_tuning_database(option)
    if _applied is not None:
        return _applied
    chosen = databases.database_for_cpu(target)
    return None if chosen is None else check_tuning_database(chosen)
