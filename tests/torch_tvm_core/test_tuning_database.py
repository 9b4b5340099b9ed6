"""A tuning database is checked when it is named, and a bad one is the caller's error,
never a silent run in PyTorch."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import torch

import torch_tvm_core
from tests.torch_tvm_core.models import ConvBlock
from torch_tvm_core.schedules.databases import RECORDS_FILE, SHIPPED_DIR, WORKLOADS_FILE


def not_a_database(tmp_path: Path) -> Path:
    directory = tmp_path / "runs"
    directory.mkdir()
    (directory / "notes.txt").write_text("measurements, not tuning records")
    return directory


def unreadable_by_tvm(tmp_path: Path) -> Path:
    """Lines of the right shape whose workload is not TVM's serialization."""
    directory = tmp_path / "corrupt"
    directory.mkdir()
    (directory / WORKLOADS_FILE).write_text('["123", "not a serialized module"]\n')
    (directory / RECORDS_FILE).write_text("[0, [[], [1.0], {}, []]]\n")
    return directory


def test_the_shipped_database_is_described_by_name_hash_and_record_count() -> None:
    shipped = SHIPPED_DIR / "amd-epyc-znver3-avx2"

    database = torch_tvm_core.check_tuning_database(shipped)

    expected = hashlib.sha256(
        (shipped / WORKLOADS_FILE).read_bytes() + b"\0" + (shipped / RECORDS_FILE).read_bytes()
    ).hexdigest()
    assert (database.name, database.sha256, database.shipped) == ("amd-epyc-znver3-avx2", expected, True)
    assert database.records == len((shipped / RECORDS_FILE).read_text().splitlines())
    assert database.to_dict()["path"] == str(shipped.resolve())


def test_a_database_elsewhere_is_named_by_the_path_given(tmp_path: Path) -> None:
    copy = tmp_path / "mine"
    copy.mkdir()
    for name in (WORKLOADS_FILE, RECORDS_FILE):
        (copy / name).write_bytes((SHIPPED_DIR / "amd-epyc-znver3-avx2" / name).read_bytes())

    database = torch_tvm_core.check_tuning_database(str(copy))

    assert database.name == str(copy)
    assert not database.shipped
    assert database.sha256 == torch_tvm_core.check_tuning_database(SHIPPED_DIR / "amd-epyc-znver3-avx2").sha256


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda tmp: tmp / "missing", "does not exist"),
        (not_a_database, f"is not a tuning database: no {WORKLOADS_FILE} or {RECORDS_FILE}"),
    ],
)
def test_a_path_that_is_not_a_database_is_rejected_with_the_path_named(
    tmp_path: Path, make, message: str
) -> None:
    path = make(tmp_path)

    with pytest.raises(torch_tvm_core.TuningDatabaseError, match=message) as raised:
        torch_tvm_core.check_tuning_database(path)

    assert str(path) in str(raised.value)


def test_files_with_the_right_names_but_other_content_are_rejected(tmp_path: Path) -> None:
    directory = tmp_path / "lookalike"
    directory.mkdir()
    (directory / WORKLOADS_FILE).write_text("{}\n")
    (directory / RECORDS_FILE).write_text("{}\n")

    with pytest.raises(torch_tvm_core.TuningDatabaseError, match="line 1"):
        torch_tvm_core.check_tuning_database(directory)


def test_compile_with_a_bad_database_raises_before_capturing(tmp_path: Path) -> None:
    with pytest.raises(torch_tvm_core.TuningDatabaseError, match="is not a tuning database"):
        torch_tvm_core.compile(
            ConvBlock().eval(), (torch.randn(1, 3, 8, 8),), tuning_db=not_a_database(tmp_path)
        )


def test_enable_and_apply_tuning_with_a_bad_database_raise_at_once(tmp_path: Path) -> None:
    directory = not_a_database(tmp_path)

    with pytest.raises(torch_tvm_core.TuningDatabaseError):
        torch_tvm_core.enable(tuning_db=directory)
    with pytest.raises(torch_tvm_core.TuningDatabaseError):
        torch_tvm_core.apply_tuning(directory)

    assert not torch_tvm_core.is_enabled()


def test_a_database_tvm_cannot_read_raises_from_compile_instead_of_falling_back(
    tmp_path: Path,
) -> None:
    with pytest.raises(torch_tvm_core.TuningDatabaseError, match="TVM cannot read"):
        torch_tvm_core.compile(
            ConvBlock().eval(),
            (torch.randn(1, 3, 8, 8),),
            tuning_db=unreadable_by_tvm(tmp_path),
            cache_dir=None,
        )


def test_the_error_is_a_settings_error_too() -> None:
    assert issubclass(torch_tvm_core.TuningDatabaseError, torch_tvm_core.SettingsError)
