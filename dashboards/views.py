"""From stored runs to what the dashboard draws: storage reads, analysis, dashboard inputs.

Shared by the served pages and `benchsvc report`, so both show the same charts.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median
from threading import Lock

from sqlalchemy.orm import Session

from benchsvc.analysis import change_points
from benchsvc.analysis.comparison import compare_runs
from benchsvc.domain import RunDocument, Software, Status
from benchsvc.models import natural_key
from benchsvc.storage import SeriesLine, SeriesPoint, SeriesQuery, get_run, list_machines, sampled_series
from benchsvc.storage.repository import Case, RunHeadline, cases_of_run, latest_run_per_machine
from benchsvc.storage.series import Night, line_medians
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


@dataclass(frozen=True)
class LineStep:
    at: datetime
    change: float
    confidence: float
    level: float


class StepCache:
    """Change points per series, kept until the series changes.

    Detection replays a whole series (about 7 ms for 400 nights); a chart of hundreds of
    series would pay that on every view. A series only grows at its end or loses whole runs,
    so its size and first and last time say whether the steps found before still hold.
    """

    def __init__(self, capacity: int = 8192) -> None:
        self.capacity = capacity
        self.found: OrderedDict[tuple[str, int, datetime, datetime], list[LineStep]] = OrderedDict()
        self.lock = Lock()

    @staticmethod
    def key(line: SeriesLine) -> tuple[str, int, datetime, datetime]:
        return (line.history_key, line.points, line.first, line.last)

    def steps(self, session: Session, lines: list[SeriesLine]) -> dict[str, list[LineStep]]:
        with self.lock:
            known = {line.history_key: self.found.get(self.key(line)) for line in lines}
        missing = [line for line in lines if known[line.history_key] is None]
        nights = line_medians(session, [line.history_key for line in missing])
        for line in missing:
            series_nights = nights[line.history_key]
            known[line.history_key] = [
                LineStep(series_nights[cp.index].created_at, cp.change, cp.confidence, cp.after)
                for cp in change_points(series_nights)
            ]
        with self.lock:
            for line in missing:
                self.found[self.key(line)] = known[line.history_key] or []
            while len(self.found) > self.capacity:
                self.found.popitem(last=False)
        return {key: value or [] for key, value in known.items()}


STEPS = StepCache()


def line_name(line: SeriesLine, lines: list[SeriesLine], styles: dict[str, MachineStyle]) -> str:
    label = f"{line.backend} {line.threads} thread{'s' if line.threads > 1 else ''}"
    if len({other.batch_size for other in lines}) > 1:
        label += f" b{line.batch_size}"
    if len({other.image_size for other in lines}) > 1:
        label += f" {line.image_size}px"
    if len({(other.backend, other.threads, other.batch_size, other.image_size, other.machine)
            for other in lines}) < len(lines):
        # Several configurations of one backend (e.g. tuning databases) on one machine.
        label += f" #{line.history_key[:6]}"
    return label


def machine_label(label: str, machine: str, styles: dict[str, MachineStyle], several_machines: bool) -> str:
    if not several_machines:
        return label
    style = styles.get(machine)
    return f"{label} @{style.hostname if style else machine[:6]}"


def series_charts(session: Session, query: SeriesQuery, max_points: int = DEFAULT_MAX_POINTS) -> SeriesCharts:
    """Rate lines downsampled by the database, one per series; their change points; paired speedups."""
    styles = machine_styles(session)
    sampled = sampled_series(session, query, max_points)
    failures = failed_results(session, query)
    several_machines = len({line.machine for line in sampled.lines} | {f.machine for f in failures}) > 1
    software = software_by_run(session, {point.run_id for point in sampled.points})
    by_line: dict[str, list[SeriesPoint]] = {line.history_key: [] for line in sampled.lines}
    for point in sampled.points:
        by_line[point.history_key].append(point)
    steps = STEPS.steps(session, sampled.lines)

    def name(line: SeriesLine) -> str:
        return machine_label(line_name(line, sampled.lines, styles), line.machine, styles, several_machines)

    ordered = sorted(sampled.lines, key=lambda line: (
        line.backend, line.threads, line.batch_size, line.image_size,
        styles[line.machine].hostname if line.machine in styles else line.machine,
    ))
    chart_lines = [
        Line(name=name(line), backend=line.backend, threads=line.threads, machine=styles.get(line.machine),
             points=[chart_point(point, software) for point in by_line[line.history_key]])
        for line in ordered
    ]
    marks = [
        StepMark(step.at, name(line), step.change, step.confidence, step.level)
        for line in ordered for step in steps[line.history_key]
    ]
    # Each drawn point's own paired ratio, measured in its run: already at most max_points.
    ratio_lines = [
        SpeedupLine(name(line), [p.created_at for p in drawn], [p.ratio_to_jit for p in drawn],
                    styles.get(line.machine), line.backend)
        for line in ordered if line.backend != "jit"
        for drawn in [[p for p in by_line[line.history_key] if p.ratio_to_jit is not None]]
        if drawn
    ]
    reference_lines = [
        SpeedupLine(name(line), [p.created_at for p in drawn], [p.ratio_to_best_reference for p in drawn],
                    styles.get(line.machine), line.backend, [p.best_reference or "" for p in drawn])
        for line in ordered
        for drawn in [[p for p in by_line[line.history_key] if p.ratio_to_best_reference is not None]]
        if drawn
    ]
    scaling_lines = [
        SpeedupLine(name(line), [p.created_at for p in drawn], [p.scaling for p in drawn],
                    styles.get(line.machine), line.backend, [f"{p.scaling_threads} thread(s)" for p in drawn])
        for line in ordered
        for drawn in [[p for p in by_line[line.history_key] if p.scaling is not None]]
        if drawn
    ]
    failure_marks = [
        FailureMark(f.created_at, machine_label(f"{f.backend} {f.threads} thread{'s' if f.threads > 1 else ''}",
                                                f.machine, styles, several_machines),
                    f.status, f.reason, styles.get(f.machine))
        for f in failures
    ]
    return SeriesCharts(
        model=query.model, lines=chart_lines, steps=marks, speedups=ratio_lines, reference_speedups=reference_lines,
        scalings=scaling_lines,
        total_points=sampled.total_points, shown_points=len(sampled.points),
        failures=failure_marks, empty_notes=empty_notes(query, chart_lines, styles),
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


def chart_point(point: SeriesPoint, software: dict[str, Software]) -> ChartPoint:
    return ChartPoint(
        point.created_at, point.median, point.q1, point.q3, point.commit_sha,
        versions_label(software.get(point.run_id)), point.runs,
        compile_seconds=point.compile_seconds, peak_memory_bytes=point.peak_memory_bytes, noisy=point.noisy,
    )


def overview(session: Session) -> Overview:
    """Every machine's latest night, machines with failures in it first."""
    styles = machine_styles(session)
    latest = latest_run_per_machine(session)
    nights = [machine_night(session, styles[fingerprint], run) for fingerprint, run in latest.items()
              if fingerprint in styles]
    nights.sort(key=lambda night: (not night.failures, -night.night.timestamp(), night.machine.hostname))
    return Overview(machines=nights)


def machine_night(session: Session, style: MachineStyle, latest: RunHeadline) -> MachineNight:
    """The latest run's cases, each against its own series over the week before.

    Where the run measured several batch or image sizes, a row shows the smallest.
    """
    cases = cases_of_run(session, latest.run_id)
    failures = [
        NightFailure(c.model, c.backend, c.threads, c.status, c.error or f"status {c.status}")
        for c in cases if c.status != Status.OK.value
    ]
    shown: dict[tuple[str, int, str], Case] = {}
    for case in cases:
        slot = (case.model, case.threads, case.backend)
        if slot not in shown or (case.batch_size, case.image_size) < (shown[slot].batch_size, shown[slot].image_size):
            shown[slot] = case
    since = latest.created_at - WEEK - timedelta(hours=12)
    nights = line_medians(session, [case.history_key for case in shown.values()], since=since)
    rows = []
    for model in sorted({model for model, _, _ in shown}, key=natural_key):
        for threads in sorted({t for m, t, _ in shown if m == model}):
            backends = {backend: nights[case.history_key] for (m, t, backend), case in shown.items()
                        if (m, t) == (model, threads)}
            rows.append(overview_row(model, threads, backends, latest.run_id))
    return MachineNight(
        machine=style, night=latest.created_at, run_id=latest.run_id, commit=latest.commit_sha,
        failures=failures, rows=rows,
    )


def overview_row(model: str, threads: int, backends: dict[str, list[Night]], latest_run: str) -> OverviewRow:
    rates: dict[str, float] = {}
    week_change: dict[str, float | None] = {}
    speedup = reference_speedup = best_reference = scaling = scaling_threads = None
    for backend in sorted(backends):
        nights = backends[backend]
        now = [night for night in nights if night.run_id == latest_run]
        before = [night.median for night in nights if night.run_id != latest_run]
        if now:
            rates[backend] = now[0].median
            week_change[backend] = now[0].median / median(before) - 1.0 if before else None
            if backend == "tvm":
                # The paired ratio measured in the run itself, not a ratio of two medians.
                speedup = now[0].ratio_to_jit
                reference_speedup, best_reference = now[0].ratio_to_best_reference, now[0].best_reference
                scaling, scaling_threads = now[0].scaling, now[0].scaling_threads
    return OverviewRow(model=model, threads=threads, rates=rates, week_change=week_change, speedup=speedup,
                       reference_speedup=reference_speedup, best_reference=best_reference, scaling=scaling,
                       scaling_threads=scaling_threads)


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
