"""explain() says where compile time went, stage by stage, and the stages run in one direction."""

from __future__ import annotations

import ast
from pathlib import Path

import torch

import torch_tvm_core
from tests.torch_tvm_core.models import ConvBlock

STAGES = {"capture", "partition", "lower", "schedule", "build"}
PACKAGE = Path(torch_tvm_core.__file__).parent


def test_a_fresh_compile_reports_time_in_every_stage() -> None:
    model, x = ConvBlock().eval(), torch.randn(1, 3, 8, 8)
    compiled = torch_tvm_core.compile(model, (x,), cache_dir=None)

    report = torch_tvm_core.explain(compiled)

    assert set(report.stage_seconds) == STAGES
    assert all(seconds > 0 for seconds in report.stage_seconds.values())
    assert "compile: capture" in str(report)


def test_the_subgraph_stages_add_up_to_the_plan_stages() -> None:
    model, x = ConvBlock().eval(), torch.randn(1, 3, 8, 8)
    compiled = torch_tvm_core.compile(model, (x,), cache_dir=None)

    report = torch_tvm_core.explain(compiled)

    [subgraph] = report.subgraphs
    for stage in ("lower", "schedule", "build"):
        assert subgraph.stage_seconds[stage] == report.stage_seconds[stage]


def test_an_executable_loaded_from_disk_spends_no_time_lowering_or_scheduling(
    tmp_path: Path,
) -> None:
    model, x = ConvBlock().eval(), torch.randn(1, 3, 8, 8)
    torch_tvm_core.compile(model, (x,), cache_dir=tmp_path)

    report = torch_tvm_core.explain(torch_tvm_core.compile(model, (x,), cache_dir=tmp_path))

    assert report.disk_cache_hits == 1
    assert report.stage_seconds["lower"] == report.stage_seconds["schedule"] == 0.0
    assert report.stage_seconds["build"] > 0


def imported_modules(module: str) -> set[str]:
    tree = ast.parse((PACKAGE / f"{module}.py").read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return {name.removeprefix("torch_tvm_core.") for name in names if "torch_tvm_core" in name}


def test_no_stage_imports_a_later_one_and_the_runtime_imports_none() -> None:
    chain = ["capture", "partition", "lower", "pipeline", "disk_cache", "planner", "compiled"]

    for position, module in enumerate(chain):
        later = set(chain[position + 1 :])
        assert not imported_modules(module) & later, module
    assert not imported_modules("runtime") & set(chain)
