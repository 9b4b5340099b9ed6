"""The packages meet only where they say they do."""

from __future__ import annotations

import ast
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]


def python_files(package: str) -> list[Path]:
    return sorted((REPOSITORY / package).rglob("*.py"))


def public_names(package: str) -> set[str]:
    tree = ast.parse((REPOSITORY / package / "__init__.py").read_text())
    [names] = [node.value for node in tree.body if isinstance(node, ast.Assign)
               and any(isinstance(target, ast.Name) and target.id == "__all__" for target in node.targets)]
    return {ast.literal_eval(element) for element in names.elts}


def uses_of(package: str, source: Path) -> list[str]:
    """Each way `source` reaches into `package`: a module it imports, or a name it reads."""
    uses = []
    for node in ast.walk(ast.parse(source.read_text())):
        if isinstance(node, ast.Import):
            uses += [alias.name for alias in node.names if alias.name.split(".")[0] == package]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == package:
            uses += [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == package:
            uses.append(f"{package}.{node.attr}")
    return uses


def test_benchsvc_uses_only_the_public_names_of_torch_tvm_core():
    public = {"torch_tvm_core"} | {f"torch_tvm_core.{name}" for name in public_names("torch_tvm_core")}
    private = {f"{source.relative_to(REPOSITORY)}: {use}"
               for source in python_files("benchsvc") for use in uses_of("torch_tvm_core", source)
               if use not in public}
    assert private == set()


def test_torch_tvm_core_never_imports_benchsvc_or_dashboards():
    assert [source for source in python_files("torch_tvm_core")
            if uses_of("benchsvc", source) or uses_of("dashboards", source)] == []


def test_analysis_is_pure_functions_over_the_domain_types():
    allowed = ("benchsvc.analysis", "benchsvc.domain", "benchsvc.states")
    reached = {f"{source.relative_to(REPOSITORY)}: {use}"
               for source in python_files("benchsvc/analysis") for use in uses_of("benchsvc", source)
               if not use.startswith(allowed)}
    assert reached == set()


def test_storage_never_calls_up_into_analysis_ingest_the_webhook_or_the_interfaces():
    above = ("benchsvc.analysis", "benchsvc.detect", "benchsvc.ingest", "benchsvc.webhook", "benchsvc.api",
             "benchsvc.cli", "benchsvc.runner", "benchsvc.scheduling", "benchsvc.agent")
    reached = {f"{source.relative_to(REPOSITORY)}: {use}"
               for source in python_files("benchsvc/storage")
               for use in [*uses_of("benchsvc", source), *uses_of("dashboards", source)]
               if use.startswith(above) or use.startswith("dashboards")}
    assert reached == set()
