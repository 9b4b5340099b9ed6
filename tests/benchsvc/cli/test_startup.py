"""`benchsvc --help` and `--version` answer at once; commands that only read create nothing."""

from __future__ import annotations

import subprocess
import sys

from typer.testing import CliRunner

import benchsvc
from benchsvc.cli.app import app

# What only the commands that measure, store or serve need; pydantic alone costs a fifth of a second.
HEAVY = ("torch", "torchvision", "tvm", "torch_tvm_core", "scipy", "numpy", "sqlalchemy", "alembic",
         "fastapi", "uvicorn", "plotly", "apscheduler", "httpx", "pydantic", "pydantic_settings")

runner = CliRunner()


def imported_packages(*args: str) -> set[str]:
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "benchsvc", *args],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return {line.rsplit("|", 1)[1].strip().split(".")[0] for line in done.stderr.splitlines()
            if line.startswith("import time:") and "|" in line}


def test_help_imports_none_of_the_heavy_packages():
    assert imported_packages("--help") & set(HEAVY) == set()


def test_version_imports_none_of_the_heavy_packages():
    assert imported_packages("--version") & set(HEAVY) == set()


def test_version_prints_the_package_version():
    result = runner.invoke(app, ["--version"])

    assert result.exit_code == 0
    assert result.stdout == f"benchsvc {benchsvc.__version__}\n"


def test_history_without_a_database_says_nothing_is_stored_and_creates_nothing(isolated_data_dir):
    # Given no database in the default place
    # When a user asks for a model's history
    result = runner.invoke(app, ["history", "--model", "resnet18"])
    # Then they learn that nothing is stored, and neither a file nor a directory appears
    assert result.exit_code == 0, result.output
    assert "nothing stored yet" in result.stdout
    assert not isolated_data_dir.exists()


def test_history_json_without_a_database_is_an_empty_list(isolated_data_dir):
    result = runner.invoke(app, ["history", "--model", "resnet18", "--json"])

    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "[]"
    assert not isolated_data_dir.exists()


def test_report_without_a_database_says_nothing_is_stored_and_writes_nothing(isolated_data_dir, tmp_path):
    out = tmp_path / "report.html"

    result = runner.invoke(app, ["report", "--model", "resnet18", "--out", str(out)])

    assert result.exit_code == 2
    assert "nothing stored yet" in result.stderr
    assert not out.exists() and not isolated_data_dir.exists()


def test_regressions_list_without_a_database_says_nothing_is_stored_and_creates_nothing(isolated_data_dir):
    result = runner.invoke(app, ["regressions", "list"])

    assert result.exit_code == 0, result.output
    assert "nothing stored yet" in result.stdout
    assert not isolated_data_dir.exists()
