"""One time series: how fast a model ran, night after night."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from benchsvc.api.answers import cached_json
from benchsvc.api.deps import SessionDep
from benchsvc.api.schemas import SeriesOut, SeriesPointOut
from benchsvc.domain import INT32_MAX
from benchsvc.storage import SeriesQuery, sampled_series
from benchsvc.storage.series import MAX_POINTS_LIMIT
from benchsvc.time_filters import TIME_HELP, Since, Until

router = APIRouter(prefix="/series", tags=["series"])

DEFAULT_MAX_POINTS = 500


@router.get("", response_model=SeriesOut)
def get_series(
    session: SessionDep,
    model: str,
    backend: str | None = None,
    threads: Annotated[int | None, Query(ge=1, le=INT32_MAX)] = None,
    batch_size: Annotated[int | None, Query(ge=1, le=INT32_MAX)] = None,
    image_size: Annotated[int | None, Query(ge=1, le=INT32_MAX)] = None,
    machine: Annotated[str | None, Query(description="Hostname or machine fingerprint.")] = None,
    since: Annotated[Since, Query(description=TIME_HELP)] = None,
    until: Annotated[Until, Query(description=TIME_HELP)] = None,
    max_points: Annotated[
        int,
        Query(ge=1, le=MAX_POINTS_LIMIT, description="At most this many points; longer series are downsampled "
              "by the database into buckets of consecutive runs, each shown by its median run."),
    ] = DEFAULT_MAX_POINTS,
    include_samples: Annotated[bool, Query(description="Add each point's raw samples (it/s).")] = False,
) -> Response:
    """Successful results of one case, oldest first: median it/s with its IQR per run."""
    query = SeriesQuery(
        model=model, backend=backend, threads=threads, batch_size=batch_size, image_size=image_size,
        machine=machine, since=since, until=until,
    )

    def build() -> SeriesOut:
        found = sampled_series(session, query, max_points, include_samples=include_samples)
        return SeriesOut(
            model=model,
            total_points=found.total_points,
            downsampled=found.downsampled,
            points=[
                SeriesPointOut(
                    run_id=p.run_id, created_at=p.created_at, commit=p.commit_sha, machine=p.machine,
                    history_key=p.history_key, backend=p.backend, threads=p.threads, batch_size=p.batch_size,
                    image_size=p.image_size, median=p.median, q1=p.q1, q3=p.q3, iqr=p.iqr, n=p.n, runs=p.runs,
                    low=p.low if p.low is not None else p.median, high=p.high if p.high is not None else p.median,
                    samples=list(p.samples) if include_samples else None, noisy=p.noisy,
                    ratio_to_jit=p.ratio_to_jit, ratio_to_best_reference=p.ratio_to_best_reference,
                    best_reference=p.best_reference, scaling=p.scaling, scaling_threads=p.scaling_threads,
                )
                for p in found.points
            ],
        )

    return cached_json(session, ("series", query, max_points, include_samples), SeriesOut, build)
