from __future__ import annotations

import torch
from torch import nn

from benchsvc.backends.base import Prepared


class EagerBackend:
    """PyTorch eager mode under no_grad: the reference every other backend is checked against."""

    name = "eager"

    def prepare(self, model: nn.Module, example_inputs: tuple[torch.Tensor, ...]) -> Prepared:
        def forward(*inputs: torch.Tensor) -> torch.Tensor:
            with torch.no_grad():
                return model(*inputs)

        return Prepared(forward)
