"""The one module through which benchsvc reaches torch_tvm_core."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

import torch_tvm_core
from benchsvc.backends.base import Prepared


class TvmBackend:
    name = "tvm"

    def __init__(self, tuning_db: Path | bool | None = None) -> None:
        # None: the database shipped for this CPU, if any; False: default schedules only.
        self.tuning_db = tuning_db

    def prepare(self, model: nn.Module, example_inputs: tuple[torch.Tensor, ...]) -> Prepared:
        compiled = torch_tvm_core.compile(
            model, example_inputs, opt_level=3, strict=False, tuning_db=self.tuning_db
        )

        def forward(*inputs: torch.Tensor) -> torch.Tensor:
            with torch.no_grad():
                return compiled(*inputs)

        # The first call compiles for these shapes; count it as preparation, not as a sample.
        forward(*example_inputs)
        return Prepared(forward, details=torch_tvm_core.explain(compiled).to_dict())
