"""How long to time each backend: warm-up calls, samples, and how long a sample lasts.

Kept apart from the timing code (which needs torch) so that the CLI can show these defaults
without importing it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TimingPlan:
    warmup: int = 3
    # Twenty samples a night halve the sampling noise of a night's level against ten; with
    # ten, a 3% drop in 3% noise cannot be told from noise within two nights often enough
    # (docs/dashboard.md, "How the defaults were chosen").
    repeat: int = 20
    min_sample_seconds: float = 0.2
    # A fixed count skips calibration; tests use it to keep runs short and predictable.
    calls_per_sample: int | None = None

    def __post_init__(self) -> None:
        if self.warmup < 0:
            raise ValueError(f"warmup must be >= 0, got {self.warmup}")
        if self.repeat < 1:
            raise ValueError(f"repeat must be >= 1, got {self.repeat}")
        if self.min_sample_seconds <= 0:
            raise ValueError("min_sample_seconds must be positive")
        if self.calls_per_sample is not None and self.calls_per_sample < 1:
            raise ValueError(f"calls per sample must be >= 1, got {self.calls_per_sample}")
