"""The one module through which benchsvc reaches torch_tvm_core."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import nn

import torch_tvm_core
from benchsvc.backends.base import Prepared
from benchsvc.domain import Tuning

OPT_LEVEL = 3


class TvmBackend:
    name = "tvm"

    def __init__(self, tuning_db: Path | bool | None = None) -> None:
        # None: the database shipped for this CPU, if any; False: default schedules only.
        self.tuning_db = tuning_db

    def prepare(self, model: nn.Module, example_inputs: tuple[torch.Tensor, ...]) -> Prepared:
        compiled = torch_tvm_core.compile(
            model, example_inputs, opt_level=OPT_LEVEL, strict=False, tuning_db=self.tuning_db
        )

        def forward(*inputs: torch.Tensor) -> torch.Tensor:
            with torch.no_grad():
                return compiled(*inputs)

        # The first call compiles for these shapes; count it as preparation, not as a sample.
        forward(*example_inputs)
        details = torch_tvm_core.explain(compiled).to_dict()
        tuning = tuning_of(details)
        return Prepared(
            forward,
            details=details,
            configuration=configuration(tuning),
            coverage=details.get("coverage"),
            tuning=tuning,
            fallback_ops=dict(details.get("ops_fallback") or {}),
        )


def tuning_of(details: dict[str, Any]) -> Tuning | None:
    recorded = details.get("tuning")
    return Tuning.model_validate(recorded) if recorded is not None else None


def configuration(tuning: Tuning | None) -> str:
    return f"opt_level={OPT_LEVEL};tuning={tuning.identity if tuning else 'unrecorded'}"


def check_tuning_database(path: Path) -> None:
    """Raise ValueError naming the problem when path is not a tuning database; compiles nothing."""
    try:
        torch_tvm_core.check_tuning_database(path)
    except torch_tvm_core.TuningDatabaseError as exc:
        raise ValueError(str(exc)) from exc
