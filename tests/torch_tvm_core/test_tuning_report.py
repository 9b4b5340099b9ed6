"""explain() says which tuning database a compile applied and how many kernels it tuned."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from torch import nn

import torch_tvm_core
from tests.support.tuning import database_with_tuned_records


def conv_model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(16, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)).eval()


def image() -> torch.Tensor:
    return torch.randn(1, 16, 8, 8)


@pytest.fixture(scope="module")
def one_tuned_kernel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with a tuned record for the model's one conv kernel, nothing for the rest."""
    return database_with_tuned_records(conv_model(), (image(),), tmp_path_factory.mktemp("tuned"))


def test_a_database_given_by_path_is_named_hashed_and_its_kernels_counted(
    one_tuned_kernel: Path,
) -> None:
    compiled = torch_tvm_core.compile(
        conv_model(), (image(),), tuning_db=one_tuned_kernel, cache_dir=None
    )

    tuning = torch_tvm_core.explain(compiled).tuning

    assert tuning["database"] == str(one_tuned_kernel)
    assert tuning["sha256"] == torch_tvm_core.check_tuning_database(one_tuned_kernel).sha256
    assert tuning["kernels_tuned"] == 1
    assert tuning["kernels_default"] >= 1


def test_default_schedules_only_report_no_database_and_no_tuned_kernel() -> None:
    compiled = torch_tvm_core.compile(conv_model(), (image(),), tuning_db=False, cache_dir=None)

    tuning = torch_tvm_core.explain(compiled).tuning

    assert tuning["database"] is None
    assert tuning["sha256"] is None
    assert tuning["kernels_tuned"] == 0
    assert tuning["kernels_default"] >= 2


def test_an_applied_database_is_the_one_reported(one_tuned_kernel: Path) -> None:
    with torch_tvm_core.apply_tuning(one_tuned_kernel):
        compiled = torch_tvm_core.compile(conv_model(), (image(),), cache_dir=None)

    assert torch_tvm_core.explain(compiled).tuning["kernels_tuned"] == 1


def test_kernel_counts_survive_a_load_from_the_disk_cache(
    one_tuned_kernel: Path, tmp_path: Path
) -> None:
    options = {"tuning_db": one_tuned_kernel, "cache_dir": tmp_path}
    first = torch_tvm_core.explain(torch_tvm_core.compile(conv_model(), (image(),), **options))

    second = torch_tvm_core.explain(torch_tvm_core.compile(conv_model(), (image(),), **options))

    assert second.disk_cache_hits == 1
    assert second.tuning == first.tuning


def test_a_record_that_kept_the_default_schedule_leaves_its_kernel_to_the_default_rule(tmp_path: Path) -> None:
    # Given a database whose one record says the default schedule was best
    torch_tvm_core.tune(conv_model(), (image(),), trials=1, database=tmp_path)

    # When a model is compiled with it
    compiled = torch_tvm_core.compile(conv_model(), (image(),), tuning_db=tmp_path, cache_dir=None)

    # Then the kernel takes today's default rule, not the stored trace of the default
    assert torch_tvm_core.explain(compiled).tuning["kernels_tuned"] == 0
