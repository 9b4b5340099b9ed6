from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated

import typer

from benchsvc.cli.common import DatabaseUrlOption, fail, nothing_stored_message, parse_list, stderr, stored_engine, writable_file


def report(
    model: Annotated[str, typer.Option(help="Model, or several separated by commas.")] = "resnet18",
    out: Annotated[Path, typer.Option(help="The HTML file to write.")] = Path("report.html"),
    threads: Annotated[int | None, typer.Option(min=1)] = None,
    batch_size: Annotated[int | None, typer.Option(min=1)] = None,
    machine: Annotated[str | None, typer.Option(help="Hostname or machine fingerprint.")] = None,
    max_points: Annotated[int | None, typer.Option(min=10, help="Points per line; default: the dashboard's.")] = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Write the dashboard's series charts to one self-contained HTML file (plotly.js inlined)."""
    models = parse_list(model, "--model")
    writable_file(out, "--out")
    engine = stored_engine(database_url)
    if engine is None:
        fail(nothing_stored_message(database_url), code=2)
    from benchsvc.storage import SeriesQuery, transaction
    from dashboards.pages import report_page
    from dashboards.views import DEFAULT_MAX_POINTS, series_charts

    with transaction(engine) as session:
        charts = [
            series_charts(
                session, SeriesQuery(model=name, threads=threads, batch_size=batch_size, machine=machine),
                max_points or DEFAULT_MAX_POINTS,
            )
            for name in models
        ]
    empty = [chart.model for chart in charts if not chart.lines]
    if empty:
        fail(f"no stored results for {', '.join(empty)}", code=2)
    try:
        out.write_text(report_page(charts, datetime.now(timezone.utc)), encoding="utf-8")
    except OSError as exc:
        fail(f"cannot write {out}: {exc.strerror}")
    stderr.print(f"wrote {out} ({out.stat().st_size / 2**20:.1f} MiB)", highlight=False)
