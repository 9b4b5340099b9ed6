"""From stored runs to what the dashboard draws: storage reads, analysis, dashboard inputs.

Shared by the served pages and `benchsvc report`, so both show the same charts.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from statistics import median

from sqlalchemy.orm import Session

from benchsvc.analysis import change_points
from benchsvc.analysis.comparison import compare_runs
from benchsvc.analysis.speedup import thin
from benchsvc.analysis.downsampling import downsample
from benchsvc.domain import RunDocument, Software, Status
from benchsvc.models import natural_key
from benchsvc.storage import RunFilter, SeriesPoint, SeriesQuery, get_run, list_machines, list_runs, series
from benchsvc.storage.failures import failed_results
from benchsvc.storage.software import software_by_run
from dashboards.figures import machine_colour
from dashboards.inputs import (
    ChartPoint, ComparedResult, FailureMark, Line, MachineNight, MachineStyle, NightFailure, Overview, OverviewRow,
    SeriesCharts, SpeedupLine, StepMark,
)

DEFAULT_MAX_POINTS = 1500
WEEK = timedelta(days=7)
# A comparison's two checks: the false discovery rate over all results compared, and the size floor.
COMPARE_ALPHA = 0.01
COMPARE_MIN_CHANGE_PERCENT = 2.0
MAIN_BACKENDS = ("jit", "tvm")


@dataclass(frozen=True)
class LineKey:
    machine: str
    backend: str
    threads: int


def machine_styles(session: Session) -> dict[str, MachineStyle]:
    """Every machine's colour, by its place in the list of all machines: the same on every page."""
    return {
        machine.fingerprint: MachineStyle(machine.fingerprint, machine.hostname, machine_colour(index))
        for index, (machine, _, _) in enumerate(list_machines(session))
    }


def versions_label(software: Software | None) -> str:
    if software is None:
        return "versions unknown"
    return f"torch {software.torch}, TVM {software.tvm or '-'}, benchsvc {software.benchsvc}"


def line_name(key: LineKey, styles: dict[str, MachineStyle], several_machines: bool) -> str:
    label = f"{key.backend} {key.threads} thread{'s' if key.threads > 1 else ''}"
    if not several_machines:
        return label
    style = styles.get(key.machine)
    return f"{label} @{style.hostname if style else key.machine[:6]}"


def series_charts(session: Session, query: SeriesQuery, max_points: int = DEFAULT_MAX_POINTS) -> SeriesCharts:
    styles = machine_styles(session)
    points = series(session, query)
    failures = failed_results(session, query)
    lines: dict[LineKey, list[SeriesPoint]] = defaultdict(list)
    for point in points:
        lines[LineKey(point.machine, point.backend, point.threads)].append(point)
    several_machines = len({key.machine for key in lines} | {f.machine for f in failures}) > 1

    def name(key: LineKey) -> str:
        return line_name(key, styles, several_machines)

    shown = downsample(points, max_points) if len(points) > max_points else [(p, 1) for p in points]
    software = software_by_run(session, {p.run_id for p, _ in shown})
    chart_lines = []
    for key in sorted(lines, key=lambda k: (k.backend, k.threads, styles[k.machine].hostname if k.machine in styles
                                            else k.machine)):
        drawn = [chart_point(p, runs, software) for p, runs in shown
                 if LineKey(p.machine, p.backend, p.threads) == key]
        chart_lines.append(Line(name=name(key), backend=key.backend, threads=key.threads, points=drawn,
                                machine=styles.get(key.machine)))
    steps = [
        StepMark(lines[key][cp.index].created_at, name(key), cp.change, cp.confidence, cp.after)
        for key in lines for cp in change_points(lines[key])
    ]
    per_line = max(1, max_points // max(1, len(lines)))
    ratio_lines = [
        SpeedupLine(name(key), [t for t, _ in thinned], [r for _, r in thinned], styles.get(key.machine), key.backend)
        for key in sorted(lines, key=lambda k: (k.backend, k.threads, k.machine))
        for thinned in [thin([(p.created_at, p.ratio_to_jit) for p in lines[key] if p.ratio_to_jit is not None],
                             per_line)]
        if key.backend != "jit" and thinned
    ]
    marks = [
        FailureMark(f.created_at, name(LineKey(f.machine, f.backend, f.threads)), f.status, f.reason,
                    styles.get(f.machine))
        for f in failures
    ]
    return SeriesCharts(
        model=query.model, lines=chart_lines, steps=steps, speedups=ratio_lines,
        total_points=len(points), shown_points=sum(len(line.points) for line in chart_lines),
        failures=marks, empty_notes=empty_notes(query, chart_lines, styles),
    )


def empty_notes(query: SeriesQuery, lines: list[Line], styles: dict[str, MachineStyle]) -> list[str]:
    """Why a backend has no line: said in words instead of an empty chart."""
    where = "on this machine" if query.machine else "on any machine"
    if query.machine:
        style = next((s for s in styles.values() if query.machine in (s.fingerprint, s.hostname)), None)
        where = f"on {style.hostname}" if style else f"on machine {query.machine}"
    backends = [query.backend] if query.backend else list(MAIN_BACKENDS)
    drawn = {line.backend for line in lines}
    filters = " with these filters" if (query.threads or query.batch_size or query.since or query.until) else ""
    return [f"no {backend} results for {query.model} {where}{filters} yet"
            for backend in backends if backend not in drawn]


def chart_point(point: SeriesPoint, runs: int, software: dict[str, Software]) -> ChartPoint:
    return ChartPoint(
        point.created_at, point.median, point.q1, point.q3, point.commit_sha,
        versions_label(software.get(point.run_id)), runs,
        compile_seconds=point.compile_seconds, peak_memory_bytes=point.peak_memory_bytes, noisy=point.noisy,
    )


def overview(session: Session) -> Overview:
    """Every machine's latest night, machines with failures in it first."""
    styles = machine_styles(session)
    nights = []
    for fingerprint, style in styles.items():
        latest = list_runs(session, RunFilter(machine=fingerprint), limit=1)
        if latest:
            nights.append(machine_night(session, style, latest[0]))
    nights.sort(key=lambda night: (not night.failures, -night.night.timestamp(), night.machine.hostname))
    return Overview(machines=nights)


def machine_night(session: Session, style: MachineStyle, latest: RunDocument) -> MachineNight:
    failures = [
        NightFailure(r.model, r.backend, r.threads, r.status.value, r.error or f"status {r.status.value}")
        for r in latest.results if r.status is not Status.OK
    ]
    cases = {(r.model, r.threads) for r in latest.results}
    rows = []
    for model in sorted({model for model, _ in cases}, key=natural_key):
        recent = series(session, SeriesQuery(
            model=model, machine=style.fingerprint, since=latest.created_at - WEEK - timedelta(hours=12),
        ))
        for threads in sorted(t for m, t in cases if m == model):
            rows.append(overview_row(model, threads, [p for p in recent if p.threads == threads], str(latest.run_id)))
    return MachineNight(
        machine=style, night=latest.created_at, run_id=str(latest.run_id),
        commit=latest.commit.sha if latest.commit else None, failures=failures, rows=rows,
    )


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
    # The paired ratio measured in the run itself, not a ratio of two medians.
    speedup = next((p.ratio_to_jit for p in points if p.backend == "tvm" and p.run_id == latest_run), None)
    return OverviewRow(model=model, threads=threads, rates=rates, week_change=week_change, speedup=speedup)


def comparison(session: Session, baseline: str, contender: str) -> list[ComparedResult] | None:
    """None when either run is unknown."""
    first, second = get_run(session, baseline), get_run(session, contender)
    if first is None or second is None:
        return None
    return compared(first, second)


def compared(first: RunDocument, second: RunDocument) -> list[ComparedResult]:
    return [
        ComparedResult(
            label=c.label, baseline=c.baseline_median, contender=c.contender_median, change_percent=c.change_percent,
            p_value=c.p_value, q_value=c.q_value, significant=c.significant, verdict=c.verdict,
        )
        for c in compare_runs(first.results, second.results, alpha=COMPARE_ALPHA,
                              min_change_percent=COMPARE_MIN_CHANGE_PERCENT)
    ]
