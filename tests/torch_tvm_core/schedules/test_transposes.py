"""Layout transforms between NCHW and NCHW[b]c store whole vectors of the output's innermost axis."""

from __future__ import annotations

import re

import torch
from torch import nn

from torch_tvm_core import pipeline
from torch_tvm_core.schedules.cpu import simd_lanes
from tests.support.kernels import scheduled_kernels


def vector_loop_feeds_last_store_index(script: str, lanes: int) -> bool:
    vector = re.search(r"for (\w+) in T\.vectorized\(T\.int64\((\d+)\)\)", script)
    writes = re.search(r"T\.writes\(\w+\[(.*)\]\)", script)
    if vector is None or writes is None or int(vector.group(2)) != lanes:
        return False
    last_index = writes.group(1).split(", ")[-1]
    axis = re.match(r"(v_\w+)", last_index).group(1)
    binding = re.search(rf"{axis} = T\.axis\.spatial\((.*)\)", script).group(1)
    return re.search(rf"\b{vector.group(1)}\b", binding) is not None


def test_given_a_blocked_conv_when_scheduled_then_its_layout_transforms_store_whole_vectors(matches_eager):
    # Given a conv that runs in NCHW[b]c between NCHW input and output
    torch.manual_seed(0)
    model, inputs = nn.Conv2d(32, 32, 1), (torch.randn(1, 32, 6, 32),)
    # When it is scheduled
    transforms = [script for name, script in scheduled_kernels(model, inputs).items()
                  if name.startswith("te_layout_transform")]
    # Then both transforms (into and out of the blocked layout) vectorize along the axis their stores walk
    lanes = simd_lanes(pipeline.default_target(2))
    assert len(transforms) == 2
    assert all(vector_loop_feeds_last_store_index(script, lanes) for script in transforms)
    matches_eager(model, inputs)
