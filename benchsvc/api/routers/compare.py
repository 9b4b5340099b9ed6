"""Two runs side by side, for a pull request against its base or one night against another."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status

from benchsvc.analysis.comparison import ResultChange, compare_runs
from benchsvc.api.errors import NOT_FOUND_ERRORS
from benchsvc.api.deps import SessionDep
from benchsvc.api.schemas import ComparisonOut, ResultComparison
from benchsvc.storage import get_run

router = APIRouter(prefix="/compare", tags=["compare"])


@router.get("", response_model=ComparisonOut, responses=NOT_FOUND_ERRORS)
def compare(
    session: SessionDep,
    baseline: Annotated[uuid.UUID, Query(description="run_id of the reference run.")],
    contender: Annotated[uuid.UUID, Query(description="run_id of the run to judge.")],
    alpha: Annotated[float, Query(gt=0, lt=1, description="False discovery rate: a change counts when its Benjamini-Hochberg q-value "
                             "(Mann-Whitney U p-values adjusted over all results compared) is below it.")] = 0.05,
    min_change_percent: Annotated[float, Query(ge=0, description="Smaller changes never count.")] = 2.0,
) -> ComparisonOut:
    """Per result present in both runs: change of median it/s in %, q-value, confidence (1 - q), verdict."""
    runs = {}
    for role, run_id in (("baseline", baseline), ("contender", contender)):
        runs[role] = get_run(session, run_id)
        if runs[role] is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"{role}: no run {run_id}")
    return ComparisonOut(
        baseline=str(baseline),
        contender=str(contender),
        alpha=alpha,
        min_change_percent=min_change_percent,
        results=[
            serialised(change)
            for change in compare_runs(
                runs["baseline"].results, runs["contender"].results, alpha=alpha, min_change_percent=min_change_percent
            )
        ],
    )


def serialised(change: ResultChange) -> ResultComparison:
    return ResultComparison(
        model=change.model, backend=change.backend, batch_size=change.batch_size, image_size=change.image_size,
        threads=change.threads, baseline_median=change.baseline_median, contender_median=change.contender_median,
        change_percent=change.change_percent, p_value=change.p_value, q_value=change.q_value,
        confidence=change.confidence, significant=change.significant, verdict=change.verdict, note=change.note,
    )
