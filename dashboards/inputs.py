"""What the dashboard draws, handed in by the caller: plain values, no database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class ChartPoint:
    time: datetime
    median: float
    q1: float
    q3: float
    commit: str | None
    versions: str
    # How many runs this point stands for once downsampled; 1 when shown as measured.
    runs: int = 1


@dataclass(frozen=True)
class Line:
    """One backend at one thread count (on one machine): its points over time."""

    name: str
    backend: str
    threads: int
    points: list[ChartPoint]


@dataclass(frozen=True)
class StepMark:
    time: datetime
    line: str
    change: float
    confidence: float
    level: float


@dataclass(frozen=True)
class SpeedupLine:
    name: str
    times: list[datetime]
    ratios: list[float]


@dataclass(frozen=True)
class SeriesCharts:
    model: str
    lines: list[Line]
    steps: list[StepMark]
    speedups: list[SpeedupLine]
    total_points: int
    shown_points: int


@dataclass(frozen=True)
class OverviewRow:
    model: str
    threads: int
    rates: dict[str, float]
    week_change: dict[str, float | None]
    speedup: float | None


@dataclass(frozen=True)
class Overview:
    night: datetime | None
    hostname: str | None
    rows: list[OverviewRow] = field(default_factory=list)


@dataclass(frozen=True)
class ComparedResult:
    label: str
    baseline: float | None
    contender: float | None
    change_percent: float | None
    p_value: float | None
    significant: bool
    verdict: str
