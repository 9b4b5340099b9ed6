"""One regression as its page shows it: the series around it, the runs on both sides, the commits between."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from benchsvc.storage import SeriesQuery, get_run
from benchsvc.storage.regressions import Regression, RegressionState, get_regression
from dashboards.inputs import CommitLink, RegressionView
from dashboards.views import compared, series_charts

AROUND = timedelta(days=21)


def commit_link(sha: str | None, repository_url: str | None) -> CommitLink | None:
    if not sha:
        return None
    return CommitLink(sha, f"{repository_url.rstrip('/')}/commit/{sha}" if repository_url else None)


def range_link(first: str | None, last: str | None, repository_url: str | None) -> str | None:
    if not (first and last and repository_url) or first == last:
        return None
    return f"{repository_url.rstrip('/')}/compare/{first}...{last}"


def case_label(regression: Regression) -> str:
    return f"{regression.model} {regression.backend} {regression.threads}t b{regression.batch_size}"


def regression_view(session: Session, regression_id: int, repository_url: str | None) -> RegressionView | None:
    regression = get_regression(session, regression_id)
    if regression is None:
        return None
    end = (regression.recovered_at or regression.detected_at) + AROUND
    charts = series_charts(session, SeriesQuery(
        model=regression.model, backend=regression.backend, threads=regression.threads,
        batch_size=regression.batch_size, image_size=regression.image_size, machine=regression.machine,
        since=regression.started_at - AROUND, until=end,
    ))
    good = get_run(session, regression.last_good_run_id) if regression.last_good_run_id else None
    bad = get_run(session, regression.started_run_id)
    return RegressionView(
        regression=regression, charts=charts,
        comparison=compared(good, bad) if good is not None and bad is not None else [],
        case_label=case_label(regression),
        last_good=commit_link(regression.last_good_commit, repository_url),
        first_bad=commit_link(regression.commit, repository_url),
        range_url=range_link(regression.last_good_commit, regression.commit, repository_url),
        states=[state.value for state in RegressionState],
    )
