"""HTML pages around the figures: the served dashboard and the self-contained report."""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import plotly.graph_objects as go
from jinja2 import Environment, PackageLoader, select_autoescape
from plotly.offline import get_plotlyjs

from dashboards.figures import (
    IQR_LEGEND, compile_figure, comparison_figure, has_measure, memory_figure, overview_figure, rate_figure,
    reference_figure, scaling_figure, speedup_figure,
)
from dashboards.inputs import ComparedResult, Overview, RegressionView, SeriesCharts

PLOTLY_URL = "/static/plotly.min.js"
# Scripts the pages load from the server: no inline script, so a strict Content-Security-Policy holds.
STATIC_DIR = Path(__file__).parent / "static"
STATIC_URL = "/static/dashboard"
CONFIDENCE_MEANING = (
    "Confidence is 1 - q, where q is the Benjamini-Hochberg adjusted p-value of this test among all the tests "
    "made together ({scope}): of all changes shown with confidence 0.99 or more, at most 1% are expected to be "
    "noise."
)
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
    max_points: int | None = None


@lru_cache(maxsize=1)
def environment() -> Environment:
    return Environment(loader=PackageLoader("dashboards", "templates"), autoescape=select_autoescape(["html"]))


@lru_cache(maxsize=1)
def plotly_js() -> str:
    """plotly.js as shipped inside the plotly package: the machines have no internet for a CDN."""
    return get_plotlyjs()


@lru_cache(maxsize=1)
def figures_js() -> str:
    """The script that draws figures from their data: pages carry no inline script."""
    return (STATIC_DIR / "figures.js").read_text(encoding="utf-8")


def figure_html(figure: go.Figure, div_id: str) -> str:
    spec = '{"figure":' + figure.to_json() + ',"config":' + json.dumps(FIGURE_CONFIG) + "}"
    return f'<div id="{html.escape(div_id)}" class="figure" data-figure="{html.escape(spec, quote=True)}"></div>'


def static_file(name: str) -> Path | None:
    """A file of dashboards/static by its bare name; None for anything else."""
    found = STATIC_DIR / name
    return found if "/" not in name and found.is_file() else None


def home_page(overview: Overview, regressions: Sequence[object]) -> str:
    has_speedups = any(row.speedup is not None for night in overview.machines for row in night.rows)
    return environment().get_template("home.html").render(
        plotly_url=PLOTLY_URL, overview=overview, regressions=regressions,
        confidence_meaning=CONFIDENCE_MEANING.format(scope="every series measured on the same night"),
        chart=figure_html(overview_figure(overview.machines), "overview-chart") if has_speedups else None,
    )


def series_figures(charts: SeriesCharts) -> dict[str, str | None]:
    """Every chart a series has data for; a chart without data is left out, the notes say why."""
    if not charts.lines and not charts.failures:
        return {"rate_chart": None, "speedup_chart": None, "reference_chart": None, "scaling_chart": None,
                "compile_chart": None, "memory_chart": None}
    return {
        "rate_chart": figure_html(rate_figure(charts), "rate-chart"),
        "speedup_chart": figure_html(speedup_figure(charts), "speedup-chart") if charts.speedups else None,
        "reference_chart": figure_html(reference_figure(charts), "reference-chart")
        if charts.reference_speedups else None,
        "scaling_chart": figure_html(scaling_figure(charts), "scaling-chart") if charts.scalings else None,
        "compile_chart": figure_html(compile_figure(charts), "compile-chart")
        if has_measure(charts, lambda p: p.compile_seconds) else None,
        "memory_chart": figure_html(memory_figure(charts), "memory-chart")
        if has_measure(charts, lambda p: p.peak_memory_bytes) else None,
    }


def series_page(charts: SeriesCharts, filters: SeriesFilters) -> str:
    return environment().get_template("series.html").render(
        plotly_url=PLOTLY_URL, charts=charts, filters=filters, iqr_legend=IQR_LEGEND, **series_figures(charts),
    )


def compare_page(
    runs: Sequence[Choice], baseline: str | None, contender: str | None, results: Sequence[ComparedResult]
) -> str:
    return environment().get_template("compare.html").render(
        plotly_url=PLOTLY_URL, static_url=STATIC_URL, runs=runs, baseline=baseline, contender=contender,
        results=results, confidence_meaning=CONFIDENCE_MEANING.format(scope="every result the two runs share"),
        chart=figure_html(comparison_figure(list(results)), "compare-chart") if results else None,
    )


def regression_page(view: RegressionView) -> str:
    return environment().get_template("regression.html").render(
        plotly_url=PLOTLY_URL, static_url=STATIC_URL, view=view, r=view.regression, iqr_legend=IQR_LEGEND,
        confidence_meaning=CONFIDENCE_MEANING.format(scope="every series measured on the same night"),
        compare_meaning=CONFIDENCE_MEANING.format(scope="every result the two runs share"),
        **series_figures(view.charts),
    )


def regressions_page(regressions: Sequence[object], state: str | None, states: Sequence[str]) -> str:
    return environment().get_template("regressions.html").render(
        plotly_url=None, regressions=regressions, state=state, states=states,
        confidence_meaning=CONFIDENCE_MEANING.format(scope="every series measured on the same night"),
    )


def report_page(charts: Sequence[SeriesCharts], generated_at: datetime) -> str:
    """One file with every chart and plotly.js inlined, for people without the server."""
    sections = [
        (c.model, figure_html(rate_figure(c), f"rate-{i}"),
         figure_html(speedup_figure(c), f"speedup-{i}") if c.speedups else None)
        for i, c in enumerate(charts)
    ]
    return environment().get_template("report.html").render(
        plotly_js=plotly_js(), figures_js=figures_js(), sections=sections, generated_at=generated_at
    )
