"""Liveness and readiness for load balancers and container health checks."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from benchsvc.api.deps import EngineDep
from benchsvc.api.schemas import Health
from benchsvc.storage.database import DatabaseError, current_revision, head_revision

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health)
def health(engine: EngineDep, response: Response) -> Health:
    """200 when the database answers and its schema is current, else 503."""
    try:
        revision = current_revision(engine)
    except DatabaseError as exc:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return Health(status="unavailable", database="unreachable", revision=None, detail=str(exc))
    if revision != head_revision():
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return Health(
            status="unavailable",
            database="outdated schema",
            revision=revision,
            detail=f"the schema is at {revision or 'nothing'}, the code needs {head_revision()}: run `benchsvc db upgrade`",
        )
    return Health(status="ok", database="ok", revision=revision)
