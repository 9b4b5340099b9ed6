"""Plotly figures of benchmark data: rates with their IQR band, speedups, comparisons."""

from __future__ import annotations

import plotly.graph_objects as go

from dashboards.inputs import ComparedResult, OverviewRow, SeriesCharts

BACKEND_COLOURS = {"jit": "#1f77b4", "tvm": "#d62728", "eager": "#7f7f7f", "inductor": "#2ca02c"}
FALLBACK_COLOUR = "#9467bd"
SLOWER, FASTER, UNCHANGED = "#c62828", "#2e7d32", "#9e9e9e"
LAYOUT = dict(template="plotly_white", margin=dict(l=60, r=20, t=50, b=40), hovermode="closest",
              legend=dict(orientation="h", y=-0.15))


def colour(backend: str) -> str:
    return BACKEND_COLOURS.get(backend, FALLBACK_COLOUR)


def band_colour(backend: str) -> str:
    hex_colour = colour(backend).lstrip("#")
    red, green, blue = (int(hex_colour[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({red},{green},{blue},0.15)"


def rate_figure(charts: SeriesCharts) -> go.Figure:
    figure = go.Figure()
    for line in charts.lines:
        times = [p.time for p in line.points]
        dash = "solid" if line.threads != 1 else "dot"
        # The IQR band: q3 forwards then q1 backwards, filled, so it reads as one shape.
        figure.add_trace(go.Scatter(
            x=times + times[::-1], y=[p.q3 for p in line.points] + [p.q1 for p in line.points][::-1],
            fill="toself", fillcolor=band_colour(line.backend), line=dict(width=0),
            hoverinfo="skip", showlegend=False, name=f"{line.name} IQR",
        ))
        figure.add_trace(go.Scatter(
            x=times, y=[p.median for p in line.points], mode="lines+markers", name=line.name,
            line=dict(color=colour(line.backend), dash=dash), marker=dict(size=4),
            customdata=[[p.commit or "-", p.versions, p.q1, p.q3, p.runs] for p in line.points],
            hovertemplate=(
                "%{x|%Y-%m-%d %H:%M}<br><b>%{y:.2f} it/s</b> (IQR %{customdata[2]:.2f}-%{customdata[3]:.2f})"
                "<br>commit %{customdata[0]}<br>%{customdata[1]}<br>runs in point: %{customdata[4]}"
                f"<extra>{line.name}</extra>"
            ),
        ))
    for step in charts.steps:
        figure.add_trace(go.Scatter(
            x=[step.time], y=[step.level], mode="markers+text", showlegend=False, name=f"step {step.line}",
            marker=dict(symbol="triangle-down" if step.change < 0 else "triangle-up", size=14,
                        color=SLOWER if step.change < 0 else FASTER, line=dict(width=1, color="black")),
            text=[f"{step.change:+.1%}"], textposition="top center",
            hovertemplate=(f"change point on {step.line}<br>{step.change:+.1%} from here, "
                           f"confidence {step.confidence:.4f}<extra></extra>"),
        ))
    figure.update_layout(title=f"{charts.model}: iterations per second (median, IQR band)",
                         yaxis_title="it/s", **LAYOUT)
    return figure


def speedup_figure(charts: SeriesCharts) -> go.Figure:
    figure = go.Figure()
    for line in charts.speedups:
        figure.add_trace(go.Scatter(x=line.times, y=line.ratios, mode="lines", name=line.name,
                                    hovertemplate="%{x|%Y-%m-%d}<br>%{y:.3f}x<extra>" + line.name + "</extra>"))
    figure.add_hline(y=1.0, line=dict(color="black", width=1, dash="dash"))
    figure.update_layout(title=f"{charts.model}: TVM / JIT speedup", yaxis_title="speedup (x)", **LAYOUT)
    return figure


def overview_figure(rows: list[OverviewRow]) -> go.Figure:
    shown = [row for row in rows if row.speedup is not None]
    figure = go.Figure(go.Bar(
        x=[f"{row.model} ({row.threads}t)" for row in shown], y=[row.speedup for row in shown],
        marker_color=[FASTER if (row.speedup or 0) >= 1 else SLOWER for row in shown],
        hovertemplate="%{x}<br>TVM/JIT %{y:.3f}x<extra></extra>", name="TVM/JIT",
    ))
    figure.add_hline(y=1.0, line=dict(color="black", width=1, dash="dash"))
    figure.update_layout(title="Latest night: TVM / JIT speedup", yaxis_title="speedup (x)", **LAYOUT)
    return figure


def comparison_figure(results: list[ComparedResult]) -> go.Figure:
    shown = [r for r in results if r.change_percent is not None]
    colours = [(SLOWER if r.verdict == "slower" else FASTER) if r.significant else UNCHANGED for r in shown]
    figure = go.Figure(go.Bar(
        x=[r.label for r in shown], y=[r.change_percent for r in shown], marker_color=colours, name="change",
        customdata=[[r.p_value if r.p_value is not None else float("nan"), r.verdict] for r in shown],
        hovertemplate="%{x}<br>%{y:+.2f}%<br>p=%{customdata[0]:.2g}: %{customdata[1]}<extra></extra>",
    ))
    figure.update_layout(title="Contender vs baseline: change of median it/s", yaxis_title="change (%)", **LAYOUT)
    return figure
