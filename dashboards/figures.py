"""Plotly figures of benchmark data: rates with their IQR band, speedups, compile time, memory.

A machine has one colour on every chart (MACHINE_PALETTE, in the order machines are
listed); a backend has one dash style and a thread count one marker symbol.
"""

from __future__ import annotations

from collections.abc import Callable

import plotly.graph_objects as go

from dashboards.inputs import ChartPoint, ComparedResult, Line, MachineNight, SeriesCharts, SpeedupLine

MACHINE_PALETTE = [
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f",
]
DEFAULT_COLOUR = MACHINE_PALETTE[0]
BACKEND_DASH = {"jit": "solid", "tvm": "dash", "eager": "dot", "inductor": "dashdot"}
THREAD_SYMBOLS = ["circle", "square", "diamond", "triangle-up", "star", "hexagon"]
SLOWER, FASTER, UNCHANGED = "#c62828", "#2e7d32", "#9e9e9e"
FAILURE_COLOUR = "#b71c1c"
IQR_LEGEND = "IQR band: middle 50% of a night's samples (25th to 75th percentile)"
LAYOUT = dict(template="plotly_white", margin=dict(l=60, r=20, t=50, b=40), hovermode="closest",
              legend=dict(orientation="h", y=-0.15))


def machine_colour(index: int) -> str:
    return MACHINE_PALETTE[index % len(MACHINE_PALETTE)]


def line_colour(line: Line) -> str:
    return line.machine.colour if line.machine else DEFAULT_COLOUR


def translucent(colour: str, alpha: float = 0.15) -> str:
    hex_colour = colour.lstrip("#")
    red, green, blue = (int(hex_colour[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({red},{green},{blue},{alpha})"


def thread_symbol(threads: int, thread_counts: list[int]) -> str:
    return THREAD_SYMBOLS[thread_counts.index(threads) % len(THREAD_SYMBOLS)]


def point_symbols(line: Line, thread_counts: list[int]) -> list[str]:
    symbol = thread_symbol(line.threads, thread_counts)
    return [f"{symbol}-open" if point.noisy else symbol for point in line.points]


def rate_figure(charts: SeriesCharts) -> go.Figure:
    figure = go.Figure()
    thread_counts = sorted({line.threads for line in charts.lines})
    for line in charts.lines:
        times = [p.time for p in line.points]
        colour = line_colour(line)
        # The IQR band: q3 forwards then q1 backwards, filled, so it reads as one shape.
        figure.add_trace(go.Scatter(
            x=times + times[::-1], y=[p.q3 for p in line.points] + [p.q1 for p in line.points][::-1],
            fill="toself", fillcolor=translucent(colour), line=dict(width=0), hoverinfo="skip",
            name=f"{line.name} IQR", legendgroup=line.name, showlegend=False,
        ))
        figure.add_trace(go.Scatter(
            x=times, y=[p.median for p in line.points], mode="lines+markers", name=line.name, legendgroup=line.name,
            line=dict(color=colour, dash=BACKEND_DASH.get(line.backend, "longdash")),
            marker=dict(size=6, symbol=point_symbols(line, thread_counts), color=colour),
            customdata=[[p.commit or "-", p.versions, p.q1, p.q3, p.runs, "noisy: timed under interference"
                         if p.noisy else ""] for p in line.points],
            hovertemplate=(
                "%{x|%Y-%m-%d %H:%M}<br><b>%{y:.2f} it/s</b> (IQR %{customdata[2]:.2f}-%{customdata[3]:.2f})"
                "<br>commit %{customdata[0]}<br>%{customdata[1]}<br>runs in point: %{customdata[4]}"
                f"<br>%{{customdata[5]}}<extra>{line.name}</extra>"
            ),
        ))
    if charts.lines:
        # A legend entry with no data: it explains every band at once.
        figure.add_trace(go.Scatter(
            x=[None], y=[None], mode="lines", name=IQR_LEGEND, hoverinfo="skip",
            line=dict(color=translucent("#607d8b", 0.35), width=10),
        ))
    add_failures(figure, charts)
    for step in charts.steps:
        figure.add_trace(go.Scatter(
            x=[step.time], y=[step.level], mode="markers+text", showlegend=False, name=f"step {step.line}",
            marker=dict(symbol="triangle-down" if step.change < 0 else "triangle-up", size=14,
                        color=SLOWER if step.change < 0 else FASTER, line=dict(width=1, color="black")),
            text=[f"{step.change:+.1%}"], textposition="top center",
            hovertemplate=(f"change point on {step.line}<br>{step.change:+.1%} from here, "
                           f"one-sided p = {1.0 - step.confidence:.2g}<extra></extra>"),
        ))
    figure.update_layout(title=f"{charts.model}: iterations per second (median; hollow markers: noisy nights)",
                         yaxis_title="it/s", **LAYOUT)
    return figure


def add_failures(figure: go.Figure, charts: SeriesCharts) -> None:
    """Failed, invalid and degraded nights as crosses under the lines, the reason on hover."""
    if not charts.failures:
        return
    medians = [p.q1 for line in charts.lines for p in line.points]
    floor = min(medians) * 0.95 if medians else 0.0
    figure.add_trace(go.Scatter(
        x=[f.time for f in charts.failures], y=[floor] * len(charts.failures), mode="markers",
        name="failed / invalid / degraded nights",
        marker=dict(symbol="x", size=11, color=[f.machine.colour if f.machine else FAILURE_COLOUR
                                                for f in charts.failures], line=dict(width=1)),
        customdata=[[f.line, f.status, f.reason] for f in charts.failures],
        hovertemplate="%{x|%Y-%m-%d %H:%M}<br><b>%{customdata[0]}: %{customdata[1]}</b><br>%{customdata[2]}"
                      "<extra></extra>",
    ))


def measure_figure(
    charts: SeriesCharts, title: str, axis: str, value: Callable[[ChartPoint], float | None], unit: str
) -> go.Figure:
    figure = go.Figure()
    thread_counts = sorted({line.threads for line in charts.lines})
    for line in charts.lines:
        shown = [(p.time, value(p)) for p in line.points if value(p) is not None]
        if not shown:
            continue
        figure.add_trace(go.Scatter(
            x=[t for t, _ in shown], y=[v for _, v in shown], mode="lines+markers", name=line.name,
            line=dict(color=line_colour(line), dash=BACKEND_DASH.get(line.backend, "longdash")),
            marker=dict(size=5, symbol=thread_symbol(line.threads, thread_counts), color=line_colour(line)),
            hovertemplate="%{x|%Y-%m-%d}<br>%{y:.2f} " + unit + "<extra>" + line.name + "</extra>",
        ))
    figure.update_layout(title=f"{charts.model}: {title}", yaxis_title=axis, **LAYOUT)
    return figure


def compile_figure(charts: SeriesCharts) -> go.Figure:
    return measure_figure(charts, "compile time (preparing the model for its inputs)", "seconds",
                          lambda p: p.compile_seconds, "s")


def memory_figure(charts: SeriesCharts) -> go.Figure:
    return measure_figure(charts, "peak resident memory growth while preparing and running", "MiB",
                          lambda p: p.peak_memory_bytes / 2**20 if p.peak_memory_bytes is not None else None, "MiB")


def has_measure(charts: SeriesCharts, value: Callable[[ChartPoint], float | None]) -> bool:
    return any(value(p) is not None for line in charts.lines for p in line.points)


def speedup_figure(charts: SeriesCharts) -> go.Figure:
    return ratio_figure(charts.speedups, f"{charts.model}: speed over jit (median of per-round paired ratios)",
                        "x jit", "jit")


def reference_figure(charts: SeriesCharts) -> go.Figure:
    return ratio_figure(
        charts.reference_speedups,
        f"{charts.model}: speed over the fastest of ONNX Runtime and OpenVINO (paired per round)",
        "x fastest reference", "%{customdata}",
    )


def scaling_figure(charts: SeriesCharts) -> go.Figure:
    return ratio_figure(
        charts.scalings,
        f"{charts.model}: speed over the same backend at the run's fewest threads (paired per round)",
        "x fewest threads", "%{customdata}",
    )


def ratio_figure(lines: list[SpeedupLine], title: str, axis: str, over: str) -> go.Figure:
    """Paired ratios night by night, a line per series; `over` names the denominator in the hover
    (a plotly template: %{customdata} reads each night's reference runtime)."""
    figure = go.Figure()
    for line in lines:
        colour = line.machine.colour if line.machine else DEFAULT_COLOUR
        figure.add_trace(go.Scatter(
            x=line.times, y=line.ratios, customdata=line.references or None, mode="lines+markers", name=line.name,
            marker=dict(size=4, color=colour), line=dict(color=colour, dash=BACKEND_DASH.get(line.backend, "longdash")),
            hovertemplate="%{x|%Y-%m-%d}<br>%{y:.3f}x " + over + "<extra>" + line.name + "</extra>",
        ))
    figure.add_hline(y=1.0, line=dict(color="black", width=1, dash="dash"))
    figure.update_layout(title=title, yaxis_title=axis, **LAYOUT)
    return figure


def overview_figure(nights: list[MachineNight]) -> go.Figure:
    """TVM/JIT speedup of each machine's latest night, one colour per machine."""
    figure = go.Figure()
    for night in nights:
        shown = [row for row in night.rows if row.speedup is not None]
        if not shown:
            continue
        figure.add_trace(go.Bar(
            x=[f"{row.model} ({row.threads}t)" for row in shown], y=[row.speedup for row in shown],
            marker_color=night.machine.colour, name=night.machine.hostname,
            hovertemplate="%{x}<br>TVM/JIT %{y:.3f}x<extra>" + night.machine.hostname + "</extra>",
        ))
    figure.add_hline(y=1.0, line=dict(color="black", width=1, dash="dash"))
    figure.update_layout(title="Latest night per machine: TVM / JIT speedup", yaxis_title="speedup (x)",
                         barmode="group", **LAYOUT)
    return figure


def comparison_figure(results: list[ComparedResult]) -> go.Figure:
    shown = [r for r in results if r.change_percent is not None]
    colours = [(SLOWER if r.verdict == "slower" else FASTER) if r.significant else UNCHANGED for r in shown]
    figure = go.Figure(go.Bar(
        x=[r.label for r in shown], y=[r.change_percent for r in shown], marker_color=colours, name="change",
        customdata=[[r.confidence if r.confidence is not None else float("nan"), r.verdict] for r in shown],
        hovertemplate="%{x}<br>%{y:+.2f}%<br>confidence %{customdata[0]:.3f}: %{customdata[1]}<extra></extra>",
    ))
    figure.update_layout(title="Contender vs baseline: change of median it/s", yaxis_title="change (%)", **LAYOUT)
    return figure
