"""Options are one validated, immutable value; mistakes are named clearly."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import torch
import tvm

import torch_tvm_core
from torch_tvm_core.settings import CACHE_DIR_ENV, Settings, default_cache_dir


def test_defaults_follow_torch_tvm() -> None:
    settings = Settings()
    assert (settings.opt_level, settings.strict, settings.target, settings.tuning_db) == (
        3,
        False,
        None,
        None,
    )


def test_settings_cannot_be_changed_after_creation() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        Settings().opt_level = 1  # type: ignore[misc]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"opt_level": 5}, "opt_level must be from 0 to 4"),
        ({"opt_level": "3"}, "opt_level must be an int"),
        ({"strict": "yes"}, "strict must be a bool"),
        ({"min_subgraph_size": 0}, "min_subgraph_size must be an int >= 1"),
        ({"cache_size": 0}, "cache_size must be an int >= 1"),
        ({"target": 42}, "target must be"),
        ({"target": {"kind": "no-such-kind"}}, "not a valid TVM target"),
        ({"tuning_db": "/no/such/database"}, "does not exist"),
    ],
)
def test_invalid_values_are_rejected_with_the_option_named(options: dict, message: str) -> None:
    with pytest.raises(torch_tvm_core.SettingsError, match=message):
        Settings(**options)


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ({"kind": "no-such-kind"}, "not a valid TVM target"),
        ({"kind": "cuda"}, "target kind 'cuda' is not supported"),
        ({"kind": "llvm", "mcpu": "no-such-cpu"}, "LLVM knows no CPU 'no-such-cpu'"),
    ],
)
def test_a_target_that_cannot_build_for_this_cpu_is_rejected_when_compiling(
    target: dict, message: str
) -> None:
    with pytest.raises(torch_tvm_core.TargetError, match=message):
        torch_tvm_core.compile(torch.nn.ReLU(), (torch.randn(2),), target=target)


def test_an_unknown_option_lists_the_valid_ones() -> None:
    with pytest.raises(torch_tvm_core.SettingsError, match="valid options: cache_dir, cache_size"):
        torch_tvm_core.compile(torch.nn.ReLU(), (torch.randn(2),), opt_levl=3)


def test_tuning_db_false_asks_for_the_default_schedules_only() -> None:
    assert Settings(tuning_db=False).tuning_db is False


def test_a_target_in_dict_form_becomes_a_tvm_target() -> None:
    settings = Settings(target={"kind": "llvm", "num-cores": 1})
    assert isinstance(settings.target, tvm.target.Target)


def test_the_cache_directory_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_DIR_ENV, "/tmp/somewhere")
    assert default_cache_dir() == Path("/tmp/somewhere")
    monkeypatch.setenv(CACHE_DIR_ENV, "off")
    assert default_cache_dir() is None
