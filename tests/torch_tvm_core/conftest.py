"""Fixtures for the torch_tvm_core tests: an isolated executable cache and eager comparison."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import torch

import torch_tvm_core
from torch_tvm_core.settings import CACHE_DIR_ENV


@pytest.fixture(autouse=True, scope="session")
def session_executable_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Compiled executables persist only within this test session, never in the user's cache."""
    directory = tmp_path_factory.mktemp("tvm-executables")
    previous = os.environ.get(CACHE_DIR_ENV)
    os.environ[CACHE_DIR_ENV] = str(directory)
    yield directory
    if previous is None:
        os.environ.pop(CACHE_DIR_ENV, None)
    else:
        os.environ[CACHE_DIR_ENV] = previous


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
