"""Fixtures for the torch_tvm_core tests: seeded randomness and eager comparison."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import torch

import torch_tvm_core


@pytest.fixture(autouse=True)
def seeded() -> None:
    torch.manual_seed(0)


CompileAndCompare = Callable[..., torch_tvm_core.CompiledModel]


@pytest.fixture
def compile_and_compare() -> CompileAndCompare:
    """Compile `model` for `inputs`, run both, and assert TVM matches eager."""

    def check(
        model: Any,
        inputs: tuple[Any, ...],
        *,
        atol: float = 1e-5,
        rtol: float = 1e-5,
        **options: Any,
    ) -> torch_tvm_core.CompiledModel:
        options.setdefault("min_subgraph_size", 1)
        compiled = torch_tvm_core.compile(model, inputs, **options)
        with torch.no_grad():
            expected = model(*inputs)
        actual = compiled(*inputs)
        torch.testing.assert_close(actual, expected, atol=atol, rtol=rtol)
        return compiled

    return check
