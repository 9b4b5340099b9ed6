"""The dashboard: HTML pages of the latest night, one series, and two runs compared."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import HTMLResponse

from benchsvc.api import views
from benchsvc.api.deps import SessionDep
from benchsvc.storage import RunFilter, SeriesQuery, list_machines, list_runs
from benchsvc.storage.regressions import RegressionFilter, list_regressions
from dashboards.pages import Choice, SeriesFilters, compare_page, home_page, plotly_js, series_page

router = APIRouter(tags=["dashboard"], include_in_schema=False)
RECENT_RUNS = 60
OptionalInt = Annotated[str | None, Query(pattern=r"^\d*$")]


@router.get("/", response_class=HTMLResponse)
def home(session: SessionDep) -> str:
    regressions = list_regressions(session, RegressionFilter(open_only=True), worst_first=True, limit=50)
    return home_page(views.overview(session), regressions)


@router.get("/series", response_class=HTMLResponse)
def series_view(
    session: SessionDep,
    model: str | None = None,
    machine: str | None = None,
    threads: OptionalInt = None,
    batch_size: OptionalInt = None,
    since: str | None = None,
    until: str | None = None,
    max_points: Annotated[int, Query(ge=10, le=100_000)] = views.DEFAULT_MAX_POINTS,
) -> str:
    latest = list_runs(session, RunFilter(), limit=1)
    cases = latest[0].results if latest else []
    models = list(dict.fromkeys(result.model for result in cases)) or ["resnet18"]
    chosen = model or models[0]
    query = SeriesQuery(
        model=chosen, machine=machine or None, threads=int(threads) if threads else None,
        batch_size=int(batch_size) if batch_size else None,
        since=views.parse_day(since), until=views.parse_day(until, end_of_day=True),
    )
    filters = SeriesFilters(
        models=models,
        machines=[Choice(m.fingerprint, m.hostname) for m, _, _ in list_machines(session)],
        threads=sorted({result.threads for result in cases}),
        batch_sizes=sorted({result.batch_size for result in cases}),
        model=chosen, machine=query.machine, thread_count=query.threads, batch_size=query.batch_size,
        since=since, until=until,
    )
    return series_page(views.series_charts(session, query, max_points), filters)


@router.get("/compare", response_class=HTMLResponse)
def compare_view(session: SessionDep, baseline: str | None = None, contender: str | None = None) -> str:
    runs = list_runs(session, RunFilter(), limit=RECENT_RUNS)
    choices = [
        Choice(str(run.run_id), f"{run.created_at:%Y-%m-%d %H:%M} {run.machine.hostname} "
                                f"{(run.commit.sha[:10] if run.commit else '')}")
        for run in runs
    ]
    # Without a choice: the latest night against the one before it.
    contender = contender or (choices[0].value if choices else None)
    baseline = baseline or (choices[1].value if len(choices) > 1 else contender)
    results = views.comparison(session, baseline, contender) if baseline and contender else None
    return compare_page(choices, baseline, contender, results or [])


@router.get("/static/plotly.min.js")
def plotly_script() -> Response:
    return Response(plotly_js(), media_type="application/javascript",
                    headers={"Cache-Control": "public, max-age=86400"})
