"""One time series: how fast a model ran, night after night."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from benchsvc.api.deps import SessionDep
from benchsvc.api.downsampling import downsample, to_point
from benchsvc.api.schemas import SeriesOut
from benchsvc.storage import SeriesQuery, series
from benchsvc.time_filters import TIME_HELP, Since, Until

router = APIRouter(prefix="/series", tags=["series"])


@router.get("", response_model=SeriesOut)
def get_series(
    session: SessionDep,
    model: str,
    backend: str | None = None,
    threads: Annotated[int | None, Query(ge=1)] = None,
    batch_size: Annotated[int | None, Query(ge=1)] = None,
    image_size: Annotated[int | None, Query(ge=1)] = None,
    machine: Annotated[str | None, Query(description="Hostname or machine fingerprint.")] = None,
    since: Annotated[Since, Query(description=TIME_HELP)] = None,
    until: Annotated[Until, Query(description=TIME_HELP)] = None,
    max_points: Annotated[
        int | None, Query(ge=1, le=100_000, description="Downsample to at most this many points.")
    ] = None,
) -> SeriesOut:
    """Successful results of one case, oldest first: median it/s with its IQR per run."""
    query = SeriesQuery(
        model=model,
        backend=backend,
        threads=threads,
        batch_size=batch_size,
        image_size=image_size,
        machine=machine,
        since=since,
        until=until,
    )
    points = series(session, query)
    downsampled = max_points is not None and len(points) > max_points
    return SeriesOut(
        model=model,
        total_points=len(points),
        downsampled=downsampled,
        points=downsample(points, max_points) if downsampled and max_points else [to_point(p) for p in points],
    )
