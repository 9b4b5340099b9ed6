"""Regressions found by detection: list them, and let people say what they are."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Response, status
from pydantic import BaseModel, Field

from benchsvc.api.answers import cached_json
from benchsvc.api.errors import NOT_FOUND_ERRORS, WRITE_ERRORS
from benchsvc.domain import INT32_MAX, Message
from benchsvc.api.deps import SessionDep, WriteTokenDep
from benchsvc.storage.regressions import (
    Regression, RegressionFilter, RegressionState, get_regression, list_regressions, set_state,
)
from benchsvc.time_filters import TIME_HELP, Since, Until

router = APIRouter(prefix="/regressions", tags=["regressions"])
RegressionId = Annotated[int, Path(ge=1, le=INT32_MAX)]


class StateChangeRequest(BaseModel):
    state: RegressionState
    comment: Message | None = Field(default=None, max_length=2000)


@router.get("", response_model=list[Regression])
def get_regressions(
    session: SessionDep,
    state: Annotated[RegressionState | None, Query(description="Only regressions in this state.")] = None,
    open_: Annotated[
        bool | None, Query(alias="open", description="true: new and acknowledged only; false: all the others.")
    ] = None,
    model: str | None = None,
    backend: str | None = None,
    machine: Annotated[str | None, Query(description="Hostname or machine fingerprint.")] = None,
    since: Annotated[Since, Query(description=TIME_HELP)] = None,
    until: Annotated[Until, Query(description=TIME_HELP)] = None,
    worst_first: Annotated[bool, Query(description="Deepest slowdown first instead of newest first.")] = False,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Response:
    """Regressions with their state history, newest first (or worst first)."""
    regression_filter = RegressionFilter(
        state=state, open=open_, model=model, backend=backend, machine=machine, since=since, until=until,
    )
    return cached_json(
        session, ("regressions", regression_filter, worst_first, limit), list[Regression],
        lambda: list_regressions(session, regression_filter, worst_first=worst_first, limit=limit),
    )


@router.get("/{regression_id}", response_model=Regression, responses=NOT_FOUND_ERRORS)
def get_one_regression(regression_id: RegressionId, session: SessionDep) -> Regression:
    found = get_regression(session, regression_id)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no regression {regression_id}")
    return found


@router.patch("/{regression_id}", response_model=Regression, responses={**NOT_FOUND_ERRORS, **WRITE_ERRORS})
def change_state(
    regression_id: RegressionId, change: StateChangeRequest, session: SessionDep, token: WriteTokenDep
) -> Regression:
    """Give a regression a state, with an optional comment (needs a write token; its name is recorded)."""
    updated = set_state(session, regression_id, change.state, actor=token.name, comment=change.comment)
    if updated is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no regression {regression_id}")
    session.commit()
    return updated
