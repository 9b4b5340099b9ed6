"""Answers of expensive reads, kept until the data they were read from changes.

Benchmark data is written a few times a night and read all day: the same chart is asked
for again and again between two ingests. Each cached answer is filed under the database it
came from and that database's data version, a few aggregates that every write changes:
runs are only ever added (their ids grow) or deleted (their count drops), and a regression
changes its `updated_at` whenever its state does. Results are never updated in place.
Reading the version costs one small query; a stale answer is never served.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from threading import Lock
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from benchsvc.storage.regressions import RegressionRow
from benchsvc.storage.tables import RunRow

A = TypeVar("A", str, bytes)


def data_version(session: Session) -> tuple[object, ...]:
    """One round trip: how many runs and regressions there are, the newest run, the latest state change."""
    facts = (
        select(func.count()).select_from(RunRow),
        select(func.max(RunRow.id)),
        select(func.count()).select_from(RegressionRow),
        select(func.max(RegressionRow.updated_at)),
    )
    return tuple(session.execute(select(*(fact.scalar_subquery() for fact in facts))).one())


class ReadCache:
    """A thread-safe map from (database, data version, question) to an answer, bounded in bytes.

    Answers are HTML pages and JSON bodies (str or bytes) counted by their length; the least
    recently used go first once the budget is spent.
    """

    def __init__(self, max_bytes: int = 256 * 2**20) -> None:
        self.max_bytes = max_bytes
        self.answers: OrderedDict[Hashable, str | bytes] = OrderedDict()
        self.size = 0
        self.lock = Lock()
        self.enabled = True

    def answer(self, session: Session, question: Hashable, compute: Callable[[], A]) -> A:
        if not self.enabled:
            return compute()
        key = (str(session.get_bind().url), data_version(session), question)
        with self.lock:
            if key in self.answers:
                self.answers.move_to_end(key)
                return self.answers[key]  # type: ignore[return-value]
        found = compute()
        with self.lock:
            if key not in self.answers and len(found) <= self.max_bytes:
                self.answers[key] = found
                self.size += len(found)
            while self.size > self.max_bytes:
                _, dropped = self.answers.popitem(last=False)
                self.size -= len(dropped)
        return found


READS = ReadCache()
