"""Where compile time goes, stage by stage."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

STAGES = ("capture", "partition", "lower", "schedule", "build")


class StageTimes:
    """Seconds spent per pipeline stage; a stage timed twice adds up."""

    def __init__(self) -> None:
        self.seconds = dict.fromkeys(STAGES, 0.0)

    @contextlib.contextmanager
    def stage(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] += time.perf_counter() - started

    def add_seconds(self, seconds: dict[str, float]) -> None:
        for name, value in seconds.items():
            self.seconds[name] += value

    def total(self) -> float:
        return sum(self.seconds.values())
