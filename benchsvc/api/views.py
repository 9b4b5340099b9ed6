"""From stored runs to what the dashboard draws: storage reads, analysis, dashboard inputs.

Shared by the served pages and `benchsvc report`, so both show the same charts.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from statistics import median

from sqlalchemy.orm import Session

from benchsvc.analysis import change_points
from benchsvc.analysis.speedup import speedups, thin
from benchsvc.api.comparison import compare_runs
from benchsvc.api.downsampling import downsample
from benchsvc.api.schemas import SeriesPointOut
from benchsvc.domain import Software
from benchsvc.storage import RunFilter, SeriesPoint, SeriesQuery, get_run, list_runs, series
from benchsvc.storage.software import software_by_run
from dashboards.inputs import (
    ChartPoint, ComparedResult, Line, Overview, OverviewRow, SeriesCharts, SpeedupLine, StepMark,
)

DEFAULT_MAX_POINTS = 1500
WEEK = timedelta(days=7)
# Both checks of a comparison: the U test's level and the size floor, as for regressions.
COMPARE_ALPHA = 0.01
COMPARE_MIN_CHANGE_PERCENT = 2.0


@dataclass(frozen=True)
class LineKey:
    machine: str
    backend: str
    threads: int


def versions_label(software: Software | None) -> str:
    if software is None:
        return "versions unknown"
    return f"torch {software.torch}, TVM {software.tvm or '-'}, benchsvc {software.benchsvc}"


def series_charts(session: Session, query: SeriesQuery, max_points: int = DEFAULT_MAX_POINTS) -> SeriesCharts:
    points = series(session, query)
    lines: dict[LineKey, list[SeriesPoint]] = defaultdict(list)
    for point in points:
        lines[LineKey(point.machine, point.backend, point.threads)].append(point)
    several_machines = len({key.machine for key in lines}) > 1

    def name(key: LineKey) -> str:
        label = f"{key.backend} {key.threads} thread{'s' if key.threads > 1 else ''}"
        return f"{label} @{key.machine[:6]}" if several_machines else label

    shown = downsample(points, max_points) if len(points) > max_points else None
    software = software_by_run(session, {p.run_id for p in (shown or points)})
    chart_lines = []
    for key in sorted(lines, key=lambda k: (k.backend, k.threads, k.machine)):
        if shown is None:
            drawn = [chart_point(p, p.commit_sha, 1, software) for p in lines[key]]
        else:
            drawn = [chart_point(p, p.commit, p.runs, software) for p in shown
                     if LineKey(p.machine, p.backend, p.threads) == key]
        chart_lines.append(Line(name=name(key), backend=key.backend, threads=key.threads, points=drawn))
    steps = [
        StepMark(lines[key][cp.index].created_at, name(key), cp.change, cp.confidence, cp.after)
        for key in lines for cp in change_points(lines[key])
    ]
    per_line = max(1, max_points // max(1, len(lines)))
    ratio_lines = [
        SpeedupLine(f"{threads} thread{'s' if threads > 1 else ''}", [t for t, _ in thinned], [r for _, r in thinned])
        for threads, ratios in speedups(points).items()
        for thinned in [thin(ratios, per_line)]
    ]
    return SeriesCharts(
        model=query.model, lines=chart_lines, steps=steps, speedups=ratio_lines,
        total_points=len(points), shown_points=sum(len(line.points) for line in chart_lines),
    )


def chart_point(
    point: SeriesPoint | SeriesPointOut, commit: str | None, runs: int, software: dict[str, Software]
) -> ChartPoint:
    return ChartPoint(point.created_at, point.median, point.q1, point.q3, commit,
                      versions_label(software.get(point.run_id)), runs)


def overview(session: Session) -> Overview:
    """The latest run's machine: each model and thread count, JIT and TVM, against the week before."""
    latest_runs = list_runs(session, RunFilter(), limit=1)
    if not latest_runs:
        return Overview(night=None, hostname=None)
    latest = latest_runs[0]
    cases = sorted({(r.model, r.threads) for r in latest.results}, key=lambda case: case)
    rows = []
    for model in dict.fromkeys(model for model, _ in cases):
        recent = series(session, SeriesQuery(
            model=model, machine=latest.machine.fingerprint, since=latest.created_at - WEEK - timedelta(hours=12),
        ))
        for threads in sorted(t for m, t in cases if m == model):
            rows.append(overview_row(model, threads, [p for p in recent if p.threads == threads], str(latest.run_id)))
    return Overview(night=latest.created_at, hostname=latest.machine.hostname, rows=rows)


def overview_row(model: str, threads: int, points: list[SeriesPoint], latest_run: str) -> OverviewRow:
    rates: dict[str, float] = {}
    week_change: dict[str, float | None] = {}
    for backend in sorted({p.backend for p in points}):
        mine = [p for p in points if p.backend == backend]
        now = [p.median for p in mine if p.run_id == latest_run]
        before = [p.median for p in mine if p.run_id != latest_run]
        if now:
            rates[backend] = now[0]
            week_change[backend] = now[0] / median(before) - 1.0 if before else None
    speedup = rates["tvm"] / rates["jit"] if "tvm" in rates and rates.get("jit") else None
    return OverviewRow(model=model, threads=threads, rates=rates, week_change=week_change, speedup=speedup)


def comparison(session: Session, baseline: str, contender: str) -> list[ComparedResult] | None:
    """None when either run is unknown."""
    first, second = get_run(session, baseline), get_run(session, contender)
    if first is None or second is None:
        return None
    return [
        ComparedResult(
            label=f"{c.model} {c.backend} {c.threads}t b{c.batch_size}", baseline=c.baseline_median,
            contender=c.contender_median, change_percent=c.change_percent, p_value=c.p_value,
            significant=c.significant, verdict=c.verdict,
        )
        for c in compare_runs(first.results, second.results, alpha=COMPARE_ALPHA,
                              min_change_percent=COMPARE_MIN_CHANGE_PERCENT)
    ]


def parse_day(value: str | None, end_of_day: bool = False) -> datetime | None:
    if not value:
        return None
    day = datetime.fromisoformat(value)
    day = day if day.tzinfo else day.replace(tzinfo=timezone.utc)
    return day + timedelta(days=1) if end_of_day and len(value) <= 10 else day
