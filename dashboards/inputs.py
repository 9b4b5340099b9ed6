"""What the dashboard draws, handed in by the caller: plain values, no database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class MachineStyle:
    """A machine as the dashboard shows it: by hostname, in its own colour on every page."""

    fingerprint: str
    hostname: str
    colour: str


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
    compile_seconds: float | None = None
    peak_memory_bytes: int | None = None
    # Timed while something else took the machine's CPU: drawn hollow.
    noisy: bool = False


@dataclass(frozen=True)
class Line:
    """One backend at one thread count on one machine: its points over time."""

    name: str
    backend: str
    threads: int
    points: list[ChartPoint]
    machine: MachineStyle | None = None


@dataclass(frozen=True)
class StepMark:
    time: datetime
    line: str
    change: float
    confidence: float
    level: float


@dataclass(frozen=True)
class FailureMark:
    """A night whose result is failed, invalid or degraded, with the reason people need."""

    time: datetime
    line: str
    status: str
    reason: str
    machine: MachineStyle | None = None


@dataclass(frozen=True)
class SpeedupLine:
    """A backend's paired speed over jit (ratio_to_jit), or over the fastest reference runtime
    of its run (ratio_to_best_reference), night by night."""

    name: str
    times: list[datetime]
    ratios: list[float]
    machine: MachineStyle | None = None
    backend: str = "tvm"
    # Which reference runtime each night's ratio is over; empty for ratios over jit.
    references: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SeriesCharts:
    model: str
    lines: list[Line]
    steps: list[StepMark]
    speedups: list[SpeedupLine]
    total_points: int
    shown_points: int
    failures: list[FailureMark] = field(default_factory=list)
    # Each backend's paired speed over the fastest reference runtime, where the runs had one.
    reference_speedups: list[SpeedupLine] = field(default_factory=list)
    # Each backend's paired speed over itself at its run's fewest threads, above those.
    scalings: list[SpeedupLine] = field(default_factory=list)
    # Why a chart or a line is missing, in words ("no tvm results for resnet50 on this machine yet").
    empty_notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class OverviewRow:
    model: str
    threads: int
    rates: dict[str, float]
    week_change: dict[str, float | None]
    speedup: float | None
    # TVM's paired speed over the fastest reference runtime of the run, and which that was.
    reference_speedup: float | None = None
    best_reference: str | None = None
    # TVM's paired speed over itself at the run's fewest threads, and that count.
    scaling: float | None = None
    scaling_threads: int | None = None


@dataclass(frozen=True)
class NightFailure:
    model: str
    backend: str
    threads: int
    status: str
    reason: str


@dataclass(frozen=True)
class MachineNight:
    """The latest night of one machine: its failures first, then its rates."""

    machine: MachineStyle
    night: datetime
    run_id: str
    commit: str | None
    failures: list[NightFailure] = field(default_factory=list)
    rows: list[OverviewRow] = field(default_factory=list)


@dataclass(frozen=True)
class Overview:
    machines: list[MachineNight] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.machines


@dataclass(frozen=True)
class ComparedResult:
    label: str
    baseline: float | None
    contender: float | None
    change_percent: float | None
    p_value: float | None
    q_value: float | None
    significant: bool
    verdict: str

    @property
    def confidence(self) -> float | None:
        return 1.0 - self.q_value if self.q_value is not None else None


@dataclass(frozen=True)
class CommitLink:
    sha: str
    url: str | None


@dataclass(frozen=True)
class RegressionView:
    """Everything the regression page shows about one regression."""

    regression: object
    charts: SeriesCharts
    comparison: list[ComparedResult]
    case_label: str
    last_good: CommitLink | None
    first_bad: CommitLink | None
    range_url: str | None
    states: list[str]
