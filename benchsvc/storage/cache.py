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

T = TypeVar("T")


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
    """A bounded, thread-safe map from (database, data version, question) to an answer."""

    def __init__(self, capacity: int = 512) -> None:
        self.capacity = capacity
        self.answers: OrderedDict[Hashable, object] = OrderedDict()
        self.lock = Lock()
        self.enabled = True

    def answer(self, session: Session, question: Hashable, compute: Callable[[], T]) -> T:
        if not self.enabled:
            return compute()
        key = (str(session.get_bind().url), data_version(session), question)
        with self.lock:
            if key in self.answers:
                self.answers.move_to_end(key)
                return self.answers[key]  # type: ignore[return-value]
        found = compute()
        with self.lock:
            self.answers[key] = found
            while len(self.answers) > self.capacity:
                self.answers.popitem(last=False)
        return found


READS = ReadCache()
