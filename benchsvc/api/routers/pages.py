"""The dashboard: HTML pages of the latest nights, one series, two runs compared, and regressions."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Response, status
from fastapi.responses import FileResponse, HTMLResponse

from benchsvc.api.deps import SessionDep, SettingsDep
from benchsvc.domain import INT32_MAX
from benchsvc.models import natural_key
from benchsvc.storage import SeriesQuery, list_machines
from benchsvc.storage.cache import READS
from benchsvc.storage.repository import (
    RunHeadline, cases_of_run, latest_run_per_machine, recent_runs, run_headlines,
)
from benchsvc.storage.series import MAX_POINTS_LIMIT
from benchsvc.storage.regressions import RegressionFilter, RegressionState, list_regressions
from benchsvc.time_filters import parse_time
from dashboards import views
from dashboards.pages import (
    Choice, SeriesFilters, compare_page, home_page, plotly_js, regression_page, regressions_page, series_page,
    static_file,
)
from dashboards.regression_view import regression_view

router = APIRouter(tags=["dashboard"], include_in_schema=False)
RECENT_RUNS = 60
# At most 9 digits: the number must fit the Integer columns it is compared with.
OptionalInt = Annotated[str | None, Query(pattern=r"^\d{0,9}$")]
TimeText = Annotated[str | None, Query(description="ISO date or time, or a span back from now: 36h, 7d, 2w.")]


@router.get("/", response_class=HTMLResponse)
def home(session: SessionDep) -> str:
    def render() -> str:
        regressions = list_regressions(session, RegressionFilter(open=True), worst_first=True, limit=50)
        return home_page(views.overview(session), regressions)

    return READS.answer(session, ("home",), render)


@router.get("/series", response_class=HTMLResponse)
def series_view(
    session: SessionDep,
    model: str | None = None,
    machine: str | None = None,
    threads: OptionalInt = None,
    batch_size: OptionalInt = None,
    max_points: Annotated[int, Query(ge=10, le=MAX_POINTS_LIMIT)] = views.DEFAULT_MAX_POINTS,
    since: TimeText = None,
    until: TimeText = None,
) -> str:
    since_moment, until_moment = time_bound("since", since), time_bound("until", until)

    def render() -> str:
        machines = list_machines(session)
        # What each machine measured last: a machine that runs fewer models must not hide the others.
        cases = [case for run in latest_run_per_machine(session).values() for case in cases_of_run(session, run.run_id)]
        models = sorted({case.model for case in cases}, key=natural_key) or ["resnet18"]
        chosen = model or models[0]
        query = SeriesQuery(
            model=chosen, machine=machine or None, threads=int(threads) if threads else None,
            batch_size=int(batch_size) if batch_size else None, since=since_moment, until=until_moment,
        )
        filters = SeriesFilters(
            models=models,
            machines=[Choice(m.fingerprint, m.hostname) for m, _, _ in machines],
            threads=sorted({case.threads for case in cases}),
            batch_sizes=sorted({case.batch_size for case in cases}),
            model=chosen, machine=query.machine, thread_count=query.threads, batch_size=query.batch_size,
            since=since, until=until,
        )
        return series_page(views.series_charts(session, query, max_points), filters)

    # Relative times ("7d") name a different span each moment: cached by the span they resolved to.
    key = ("series", model, machine, threads, batch_size, since_moment, until_moment, max_points)
    return READS.answer(session, key, render)


def time_bound(name: str, value: str | None) -> datetime | None:
    if not value or not value.strip():
        return None
    try:
        return parse_time(value, end_of_day=name == "until")
    except ValueError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"{name}: {exc}") from None


def run_choice(run: RunHeadline) -> Choice:
    commit = (run.commit_sha or "")[:10]
    return Choice(run.run_id, f"{run.created_at:%Y-%m-%d %H:%M} {run.hostname} {commit}".strip())


@router.get("/compare", response_class=HTMLResponse)
def compare_view(
    session: SessionDep, baseline: uuid.UUID | None = None, contender: uuid.UUID | None = None
) -> str:
    def render() -> str:
        # Headlines only: the pickers need a name per run, not 60 runs with all their results.
        runs = recent_runs(session, RECENT_RUNS)
        # The compared runs are always in the pickers, however old they are.
        wanted = [str(chosen) for chosen in (baseline, contender) if chosen is not None]
        runs += run_headlines(session, [run_id for run_id in wanted if all(run.run_id != run_id for run in runs)])
        runs.sort(key=lambda run: run.created_at, reverse=True)
        choices = [run_choice(run) for run in runs]
        # Without a choice: the latest night against the one before it.
        chosen_contender = str(contender) if contender else (choices[0].value if choices else None)
        chosen_baseline = str(baseline) if baseline else (choices[1].value if len(choices) > 1 else chosen_contender)
        results = (
            views.comparison(session, chosen_baseline, chosen_contender)
            if chosen_baseline and chosen_contender else None
        )
        return compare_page(choices, chosen_baseline, chosen_contender, results or [])

    return READS.answer(session, ("compare", baseline, contender), render)


@router.get("/regressions", response_class=HTMLResponse)
def regressions_view(session: SessionDep, state: str | None = None) -> str:
    states = [s.value for s in RegressionState]
    if state and state != "all" and state not in states:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            f"state: {state!r} is not one of {', '.join(states)} or all")
    regression_filter = (
        RegressionFilter() if state == "all" else
        RegressionFilter(state=RegressionState(state)) if state else RegressionFilter(open=True)
    )
    return regressions_page(list_regressions(session, regression_filter, limit=500), state, states)


@router.get("/regressions/{regression_id}", response_class=HTMLResponse)
def regression_detail(regression_id: Annotated[int, Path(ge=1, le=INT32_MAX)], session: SessionDep, settings: SettingsDep) -> str:
    view = regression_view(session, regression_id, settings.repository_url)
    if view is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no regression {regression_id}")
    return regression_page(view)


@router.get("/static/plotly.min.js")
def plotly_script() -> Response:
    return Response(plotly_js(), media_type="application/javascript",
                    headers={"Cache-Control": "public, max-age=86400"})


@router.get("/static/dashboard/{name}")
def dashboard_static(name: str) -> FileResponse:
    found = static_file(name)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no file {name}")
    return FileResponse(found, headers={"Cache-Control": "public, max-age=3600"})
