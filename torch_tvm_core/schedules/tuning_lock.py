"""One tuning at a time per database.

Two processes tuning one database would each time their kernels with the other's load on the
cores, and both would write records for the same kernels. The tuning process holds an advisory
lock (flock) on a file in the database for as long as it runs, with its pid in it; the kernel
drops the lock when the process ends, however it ends, so a killed tuning never leaves the
database locked.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pathlib
from collections.abc import Iterator

from torch_tvm_core.errors import TuningBusyError

LOCK_FILE = "tuning.lock"


@contextlib.contextmanager
def exclusive_tuning(database: pathlib.Path) -> Iterator[None]:
    """Hold `database`'s tuning lock; TuningBusyError if another process holds it."""
    with open(database / LOCK_FILE, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise TuningBusyError(database, _holder(database)) from None
        handle.truncate(0)
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            handle.truncate(0)


def tuning_process(database: pathlib.Path) -> int | None:
    """The pid of the process tuning `database` now (0 in the moment between its taking the lock
    and writing its pid); None where none is."""
    lock = database / LOCK_FILE
    if not lock.is_file():
        return None
    with open(lock, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return _holder(database) or 0
        fcntl.flock(handle, fcntl.LOCK_UN)
    return None


def _holder(database: pathlib.Path) -> int | None:
    try:
        return int((database / LOCK_FILE).read_text().strip())
    except (OSError, ValueError):
        return None
