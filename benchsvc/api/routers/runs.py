"""Runs: the one write path (POST, idempotent by run_id) and the reads of stored runs."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from fastapi.exceptions import RequestValidationError

from benchsvc.api.answers import cached_json
from benchsvc.api.deps import EngineDep, SessionDep, WriteTokenDep
from benchsvc.api.errors import NOT_FOUND_ERRORS, WRITE_ERRORS
from benchsvc.api.schemas import RunPage, RunStored
from benchsvc.domain import INT32_MAX, RunDocument
from benchsvc.ingest import IncompleteRun, ingest
from benchsvc.storage import DatabaseError, RunFilter, get_run, list_runs
from benchsvc.storage.repository import count_runs
from benchsvc.time_filters import TIME_HELP, Since, Until

router = APIRouter(prefix="/runs", tags=["runs"])


@router.post(
    "",
    response_model=RunStored,
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"model": RunStored, "description": "This run_id was already stored; nothing changed."},
        **WRITE_ERRORS,
    },
)
def post_run(
    document: RunDocument, engine: EngineDep, token: WriteTokenDep, request: Request, response: Response
) -> RunStored:
    """Store one run document, exactly as `benchsvc run --json` prints it; detection runs after the answer."""
    if "run_id" not in document.model_fields_set:
        # Without a client-chosen id a retried post would store the run twice.
        raise RequestValidationError(
            [{"loc": ("body", "run_id"), "msg": "Field required: posts are idempotent by run_id", "type": "missing"}]
        )
    try:
        outcome = ingest(engine, document)
    except IncompleteRun as exc:
        raise RequestValidationError(
            [{"loc": ("body", *where), "msg": message, "type": "value_error"} for where, message in exc.problems]
        ) from exc
    except DatabaseError as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, str(exc)) from exc
    if outcome.created:
        request.app.state.analysis.wake()
    location = f"/api/v1{router.prefix}/{document.run_id}"
    response.headers["Location"] = location
    if not outcome.created:
        response.status_code = status.HTTP_200_OK
    return RunStored(
        run_id=str(document.run_id),
        created=outcome.created,
        message="stored" if outcome.created else "already stored; nothing changed",
        url=location,
    )


@router.get("", response_model=RunPage)
def get_runs(
    session: SessionDep,
    machine: Annotated[str | None, Query(description="Hostname or machine fingerprint.")] = None,
    model: str | None = None,
    backend: str | None = None,
    commit: Annotated[str | None, Query(description="A commit sha or its prefix.")] = None,
    since: Annotated[Since, Query(description=TIME_HELP)] = None,
    until: Annotated[Until, Query(description=TIME_HELP)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=INT32_MAX)] = 0,
    include_samples: Annotated[
        bool, Query(description="Add every result's raw samples; without them a page is a fraction of the size.")
    ] = False,
) -> Response:
    """Stored runs, newest first, a page at a time; results carry their summary, raw samples only when asked."""
    run_filter = RunFilter(machine=machine, model=model, backend=backend, commit=commit, since=since, until=until)
    return cached_json(session, ("runs", run_filter, limit, offset, include_samples), RunPage, lambda: RunPage(
        total=count_runs(session, run_filter),
        limit=limit,
        offset=offset,
        runs=list_runs(session, run_filter, limit=limit, offset=offset, include_samples=include_samples),
    ))


@router.get("/{run_id}", response_model=RunDocument, responses=NOT_FOUND_ERRORS)
def get_one_run(run_id: uuid.UUID, session: SessionDep) -> RunDocument:
    document = get_run(session, run_id)
    if document is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no run {run_id}")
    return document
