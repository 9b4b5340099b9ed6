"""Each call into TVM shows in torch.profiler as a span named "TVM"."""

from __future__ import annotations

import torch

import torch_tvm_core
from tests.torch_tvm_core.models import WithCustomOp


def test_every_tvm_subgraph_call_is_a_tvm_span() -> None:
    model, x = WithCustomOp().eval(), torch.randn(1, 3, 8, 8)
    compiled = torch_tvm_core.compile(model, (x,))

    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as profile:
        compiled(x)

    spans = [event for event in profile.events() if event.name == "TVM"]
    assert len(spans) == 2  # two subgraphs around the custom op
    assert any(event.name.startswith("tvmtest::scaled_tanh") for event in profile.events())
