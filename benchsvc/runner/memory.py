"""Peak resident memory of this process while a block runs, sampled from a thread."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psutil


@dataclass
class PeakMemory:
    baseline_bytes: int
    peak_bytes: int = 0

    @property
    def growth_bytes(self) -> int:
        return max(self.peak_bytes - self.baseline_bytes, 0)


@contextmanager
def track_peak_memory(interval_seconds: float = 0.005) -> Iterator[PeakMemory]:
    process = psutil.Process()
    result = PeakMemory(baseline_bytes=process.memory_info().rss)
    result.peak_bytes = result.baseline_bytes
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            result.peak_bytes = max(result.peak_bytes, process.memory_info().rss)
            stop.wait(interval_seconds)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield result
    finally:
        stop.set()
        sampler.join()
        result.peak_bytes = max(result.peak_bytes, process.memory_info().rss)
