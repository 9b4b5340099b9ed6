"""HTML pages around the figures: the served dashboard and the self-contained report."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

import plotly.graph_objects as go
from jinja2 import Environment, PackageLoader, select_autoescape
from plotly.offline import get_plotlyjs

from dashboards.figures import comparison_figure, overview_figure, rate_figure, speedup_figure
from dashboards.inputs import ComparedResult, Overview, SeriesCharts

PLOTLY_URL = "/static/plotly.min.js"
FIGURE_CONFIG = {"displaylogo": False, "responsive": True}


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class SeriesFilters:
    """The series page's form: what can be chosen and what is chosen."""

    models: Sequence[str]
    machines: Sequence[Choice]
    threads: Sequence[int]
    batch_sizes: Sequence[int]
    model: str
    machine: str | None
    thread_count: int | None
    batch_size: int | None
    since: str | None
    until: str | None


@lru_cache(maxsize=1)
def environment() -> Environment:
    return Environment(loader=PackageLoader("dashboards", "templates"), autoescape=select_autoescape(["html"]))


@lru_cache(maxsize=1)
def plotly_js() -> str:
    """plotly.js as shipped inside the plotly package: the machines have no internet for a CDN."""
    return get_plotlyjs()


def figure_html(figure: go.Figure, div_id: str) -> str:
    return figure.to_html(full_html=False, include_plotlyjs=False, div_id=div_id, config=FIGURE_CONFIG)


def home_page(overview: Overview, regressions: Sequence[object]) -> str:
    return environment().get_template("home.html").render(
        plotly_url=PLOTLY_URL, overview=overview, regressions=regressions,
        chart=figure_html(overview_figure(overview.rows), "overview-chart") if overview.rows else None,
    )


def series_page(charts: SeriesCharts, filters: SeriesFilters) -> str:
    return environment().get_template("series.html").render(
        plotly_url=PLOTLY_URL, charts=charts, filters=filters,
        rate_chart=figure_html(rate_figure(charts), "rate-chart"),
        speedup_chart=figure_html(speedup_figure(charts), "speedup-chart") if charts.speedups else None,
    )


def compare_page(
    runs: Sequence[Choice], baseline: str | None, contender: str | None, results: Sequence[ComparedResult]
) -> str:
    return environment().get_template("compare.html").render(
        plotly_url=PLOTLY_URL, runs=runs, baseline=baseline, contender=contender, results=results,
        chart=figure_html(comparison_figure(list(results)), "compare-chart") if results else None,
    )


def report_page(charts: Sequence[SeriesCharts], generated_at: datetime) -> str:
    """One file with every chart and plotly.js inlined, for people without the server."""
    sections = [
        (c.model, figure_html(rate_figure(c), f"rate-{i}"),
         figure_html(speedup_figure(c), f"speedup-{i}") if c.speedups else None)
        for i, c in enumerate(charts)
    ]
    return environment().get_template("report.html").render(
        plotly_js=plotly_js(), sections=sections, generated_at=generated_at
    )
