from __future__ import annotations

import warnings

import torch
from torch import nn

from benchsvc.backends.base import Prepared


class JitBackend:
    """The stock PyTorch JIT inference path: trace, freeze, optimize_for_inference."""

    name = "jit"

    def prepare(self, model: nn.Module, example_inputs: tuple[torch.Tensor, ...]) -> Prepared:
        # TorchScript is deprecated upstream, but it is the baseline our users compare against.
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            traced = torch.jit.trace(model, example_inputs)
            frozen = torch.jit.optimize_for_inference(torch.jit.freeze(traced))

        def forward(*inputs: torch.Tensor) -> torch.Tensor:
            with torch.no_grad():
                return frozen(*inputs)

        return Prepared(forward)
