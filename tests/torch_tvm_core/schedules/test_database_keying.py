"""A tuning database applies only on the CPU it was measured on."""

from __future__ import annotations

import json
import shutil

import pytest

from torch_tvm_core import pipeline
from torch_tvm_core.schedules import databases
from torch_tvm_core.schedules.cpu import CpuIdentity, cpu_identity
from torch_tvm_core.tuning_database import resolve_tuning_database


def cpu_identity_of(entry: dict) -> CpuIdentity:
    return CpuIdentity(entry["cpu_model"], entry["llvm_cpu"], entry["isa"])


@pytest.fixture
def target():
    return pipeline.default_target(1)


@pytest.fixture
def own_tuning_dir(tmp_path, monkeypatch):
    """This machine's tuning databases live here during the test, empty at first."""
    directory = tmp_path / "machine"
    monkeypatch.setenv(databases.TUNING_DIR_ENV, str(directory))
    return directory


def _ship(directory, name: str, cpu_model: str, llvm_cpu: str, isa: str) -> None:
    """A shipped-databases folder with one database (a real one, copied) and its manifest."""
    source = databases.SHIPPED_DIR / databases.shipped_manifest()[0]["directory"]
    shutil.copytree(source, directory / name)
    entry = {"directory": name, "cpu_model": cpu_model, "llvm_cpu": llvm_cpu, "isa": isa}
    (directory / databases.MANIFEST_FILE).write_text(json.dumps({"databases": [entry]}))


def test_given_a_database_tuned_on_another_cpu_model_of_the_same_microarchitecture_then_it_is_not_applied(
    tmp_path, target
):
    host = cpu_identity(target)
    _ship(tmp_path, "other", f"{host.model} v2", host.llvm_cpu, host.isa)

    assert databases.shipped_database(target, tmp_path) is None


def test_given_a_database_tuned_on_the_same_cpu_name_but_another_microarchitecture_then_it_is_not_applied(
    tmp_path, target
):
    host = cpu_identity(target)
    _ship(tmp_path, "other", host.model, "znver1" if host.llvm_cpu != "znver1" else "skylake", host.isa)

    assert databases.shipped_database(target, tmp_path) is None


def test_given_a_database_tuned_on_this_cpu_model_then_it_is_applied(tmp_path, target):
    host = cpu_identity(target)
    _ship(tmp_path, host.key, host.model, host.llvm_cpu, host.isa)

    assert databases.shipped_database(target, tmp_path) == tmp_path / host.key


def test_given_the_shipped_databases_then_each_is_named_by_the_cpu_it_was_tuned_on():
    for entry in databases.shipped_manifest():
        tuned_on = cpu_identity_of(entry)
        assert entry["directory"] == tuned_on.key
        assert databases.is_database(databases.SHIPPED_DIR / entry["directory"])



def test_given_no_database_for_this_cpu_when_resolving_then_the_defaults_are_used(
    own_tuning_dir, target
):
    host = cpu_identity(target)
    shipped_for_host = [e for e in databases.shipped_manifest() if cpu_identity_of(e) == host]

    assert databases.database_for_cpu(target) == (
        databases.SHIPPED_DIR / shipped_for_host[0]["directory"] if shipped_for_host else None
    )


def test_given_this_machines_own_database_when_resolving_then_it_is_used(own_tuning_dir, target):
    own = databases.machine_database(target)
    shutil.copytree(databases.SHIPPED_DIR / databases.shipped_manifest()[0]["directory"], own)

    assert own.parent == own_tuning_dir
    assert databases.database_for_cpu(target) == own


def test_given_an_explicit_database_when_resolving_then_it_is_used_whatever_cpu_it_came_from(target):
    path = databases.SHIPPED_DIR / databases.shipped_manifest()[0]["directory"]

    assert resolve_tuning_database(path, target).path == path.resolve()
