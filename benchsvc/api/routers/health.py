"""Liveness and readiness for load balancers and container health checks."""

from __future__ import annotations

import anyio
from fastapi import APIRouter, Request, Response, status

from benchsvc.api.schemas import Health
from benchsvc.storage.database import DatabaseError, current_revision

router = APIRouter(tags=["health"])

# Probes get threads of their own: while heavy reads fill the shared thread pool a probe
# must still answer, or an orchestrator restarts a server that is merely busy.
PROBE_THREADS = anyio.CapacityLimiter(2)


@router.get("/health", response_model=Health)
async def health(request: Request, response: Response) -> Health:
    """200 when the database answers and its schema is current, else 503."""
    engine, head = request.app.state.probe_engine, request.app.state.head_revision
    try:
        revision = await anyio.to_thread.run_sync(current_revision, engine, limiter=PROBE_THREADS)
    except DatabaseError as exc:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return Health(status="unavailable", database="unreachable", revision=None, detail=str(exc))
    if revision != head:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return Health(
            status="unavailable",
            database="outdated schema",
            revision=revision,
            detail=f"the schema is at {revision or 'nothing'}, the code needs {head}: run `benchsvc db upgrade`",
        )
    return Health(status="ok", database="ok", revision=revision)
