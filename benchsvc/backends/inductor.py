from __future__ import annotations

import torch
from torch import nn

from benchsvc.backends.base import Prepared


class InductorBackend:
    """torch.compile with inductor; compiled eagerly here so compile time is counted as prepare."""

    name = "inductor"

    def prepare(self, model: nn.Module, example_inputs: tuple[torch.Tensor, ...]) -> Prepared:
        compiled = torch.compile(model, backend="inductor")

        def forward(*inputs: torch.Tensor) -> torch.Tensor:
            with torch.no_grad():
                return compiled(*inputs)

        forward(*example_inputs)
        return Prepared(forward)
