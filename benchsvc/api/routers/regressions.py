"""Regressions found by detection: list them, and let people say what they are."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel

from benchsvc.api.deps import SessionDep, WriteTokenDep
from benchsvc.storage.regressions import (
    Regression, RegressionFilter, RegressionState, get_regression, list_regressions, set_state,
)

router = APIRouter(prefix="/regressions", tags=["regressions"])


class StateChange(BaseModel):
    state: RegressionState


@router.get("", response_model=list[Regression])
def get_regressions(
    session: SessionDep,
    state: RegressionState | None = None,
    model: str | None = None,
    backend: str | None = None,
    machine: Annotated[str | None, Query(description="Hostname or machine fingerprint.")] = None,
    since: Annotated[datetime | None, Query(description="Detected at or after this time.")] = None,
    worst_first: Annotated[bool, Query(description="Deepest slowdown first instead of newest first.")] = False,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[Regression]:
    regression_filter = RegressionFilter(state=state, model=model, backend=backend, machine=machine, since=since)
    return list_regressions(session, regression_filter, worst_first=worst_first, limit=limit)


@router.get("/{regression_id}", response_model=Regression)
def get_one_regression(regression_id: int, session: SessionDep) -> Regression:
    found = get_regression(session, regression_id)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no regression {regression_id}")
    return found


@router.patch("/{regression_id}", response_model=Regression)
def change_state(regression_id: int, change: StateChange, session: SessionDep, token: WriteTokenDep) -> Regression:
    """Acknowledge a regression, mark it fixed or a false alarm (needs a write token)."""
    updated = set_state(session, regression_id, change.state)
    if updated is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no regression {regression_id}")
    session.commit()
    return updated
