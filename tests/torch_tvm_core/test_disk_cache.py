"""Compiled executables persist on disk, so another process skips TVM's compile."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import torch

import torch_tvm_core
from tests.torch_tvm_core.models import ConvBlock
from torch_tvm_core.disk_cache import cache_key
from torch_tvm_core.settings import CACHE_DIR_ENV, Settings

PROCESS = textwrap.dedent(
    """
    import json, time, torch, torch_tvm_core
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.ReLU()).eval()
    x = torch.randn(1, 3, 8, 8)
    compiled = torch_tvm_core.compile(model, (x,))
    print(json.dumps(torch_tvm_core.explain(compiled).to_dict()))
    """
)


def run_in_new_process(cache_dir: Path) -> dict:
    environment = {**os.environ, CACHE_DIR_ENV: str(cache_dir)}
    finished = subprocess.run(
        [sys.executable, "-c", PROCESS], env=environment, capture_output=True, text=True, check=True
    )
    return json.loads(finished.stdout.strip().splitlines()[-1])


def test_a_second_process_loads_the_executable_the_first_one_compiled(tmp_path: Path) -> None:
    first = run_in_new_process(tmp_path)
    second = run_in_new_process(tmp_path)

    assert first["disk_cache_hits"] == 0
    assert second["disk_cache_hits"] == 1
    assert list(tmp_path.glob("*.so"))


def test_different_weights_never_share_an_entry() -> None:
    compiled = torch_tvm_core.compile(ConvBlock().eval(), (torch.randn(1, 3, 8, 8),))
    subgraph = compiled.last_plan.graph_module.tvm_subgraph_0.fallback
    inputs = [torch.randn(1, 3, 8, 8)]
    before = cache_key(subgraph, inputs, compiled.toolchain)

    with torch.no_grad():
        next(subgraph.parameters()).add_(1)

    assert cache_key(subgraph, inputs, compiled.toolchain) != before


def test_a_corrupt_cache_entry_is_recompiled_instead_of_failing(tmp_path: Path) -> None:
    model, x = ConvBlock().eval(), torch.randn(1, 3, 8, 8)
    torch_tvm_core.compile(model, (x,), cache_dir=tmp_path)
    for entry in tmp_path.glob("*.so"):
        entry.write_bytes(b"not a shared library")

    compiled = torch_tvm_core.compile(model, (x,), cache_dir=tmp_path)

    torch.testing.assert_close(compiled(x), model(x), atol=1e-5, rtol=1e-5)
    report = torch_tvm_core.explain(compiled)
    assert report.disk_cache_hits == 0
    assert report.tvm_op_share == 1.0


def test_the_cache_can_be_switched_off(tmp_path: Path) -> None:
    model, x = ConvBlock().eval(), torch.randn(1, 3, 8, 8)

    torch_tvm_core.compile(model, (x,), cache_dir=None)

    assert Settings(cache_dir=None).cache_dir is None
    assert not list(tmp_path.iterdir())
