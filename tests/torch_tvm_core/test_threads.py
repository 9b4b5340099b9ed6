"""TVM runs with as many threads as PyTorch is set to use."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import torch

import torch_tvm_core
from tests.torch_tvm_core.models import ConvBlock
from torch_tvm_core.threads import tvm_threads


@pytest.fixture
def restore_torch_threads() -> Iterator[None]:
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


# TVM never runs more threads than this process may use (its CPU affinity).
USABLE_CORES = len(os.sched_getaffinity(0))


@pytest.mark.parametrize("count", sorted({1, USABLE_CORES}))
def test_tvm_follows_torch_set_num_threads(count: int, restore_torch_threads: None) -> None:
    x = torch.randn(1, 3, 8, 8)
    compiled = torch_tvm_core.compile(ConvBlock().eval(), (x,))

    torch.set_num_threads(count)
    compiled(x)

    assert tvm_threads() == count
