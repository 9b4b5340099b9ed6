"""Dashboard figures and pages from plain inputs: no database, no server."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from dashboards.figures import IQR_LEGEND, rate_figure, reference_figure
from dashboards.inputs import ChartPoint, Line, SeriesCharts, SpeedupLine, StepMark
from dashboards.pages import report_page

START = datetime(2026, 1, 1, tzinfo=timezone.utc)


def charts() -> SeriesCharts:
    times = [START + timedelta(days=i) for i in range(3)]
    points = [ChartPoint(t, 80.0 + i, 79.0 + i, 81.0 + i, "abc123", "torch 2.14.1") for i, t in enumerate(times)]
    return SeriesCharts(
        model="resnet18", lines=[Line("jit 2 threads", "jit", 2, points)],
        steps=[StepMark(times[1], "jit 2 threads", -0.08, 0.9999, 81.0)],
        speedups=[SpeedupLine("2 threads", times, [1.1, 1.0, 0.9])], total_points=3, shown_points=3,
    )


def test_the_rate_chart_has_a_band_a_line_and_a_marked_change_point():
    traces = rate_figure(charts()).data
    assert [trace.name for trace in traces] == ["jit 2 threads IQR", "jit 2 threads", IQR_LEGEND, "step jit 2 threads"]
    assert list(traces[1].y) == [80.0, 81.0, 82.0]
    assert traces[3].text == ("-8.0%",)
    assert "commit %{customdata[0]}" in traces[1].hovertemplate


def test_the_report_is_one_file_with_plotly_inlined_and_nothing_fetched():
    html = report_page([charts()], START)
    assert "<script src=" not in html
    assert "Plotly" in html and "resnet18" in html
    assert html.count('class="chart"') == 2


def test_the_reference_chart_names_each_nights_fastest_reference_runtime_in_its_hover():
    times = [START + timedelta(days=i) for i in range(2)]
    reference_line = SpeedupLine("tvm 2 threads", times, [1.04, 0.98], backend="tvm", references=["openvino", "ort"])
    given = SeriesCharts(model="resnet50", lines=[], steps=[], speedups=[], total_points=2, shown_points=2,
                         reference_speedups=[reference_line])

    [trace] = reference_figure(given).data

    assert list(trace.y) == [1.04, 0.98]
    assert list(trace.customdata) == ["openvino", "ort"]
    assert "%{customdata}" in trace.hovertemplate
