"""The wheel, installed without the source checkout, migrates a database and measures.

The wheel goes into a fresh virtual environment; its dependencies (torch alone is gigabytes)
come from the environment running the tests, through a .pth file, so nothing is downloaded
and nothing of the checkout is importable there.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[1]
# What a wheel is built from; the same list the Dockerfile copies.
SOURCES = ("pyproject.toml", "setup.py", "README.md", "benchsvc", "torch_tvm_core", "dashboards", "migrations")
TINY_RUN = ["--model", "resnet18", "--backends", "jit,tvm", "--threads", "1", "--image-size", "32",
            "--repeat", "2", "--iterations", "1", "--warmup", "0"]


@dataclass(frozen=True)
class Installed:
    wheel: Path
    source: Path
    python: Path
    benchsvc: Path
    site_packages: Path


def pip(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", "--quiet", "--disable-pip-version-check", *args],
                   check=True, timeout=300)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    for name in SOURCES:
        origin = REPOSITORY / name
        if origin.is_dir():
            shutil.copytree(origin, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            source.mkdir(exist_ok=True)
            shutil.copy2(origin, source / name)
    pip("wheel", "--no-deps", "--no-build-isolation", "--no-index", str(source), "--wheel-dir", str(work / "dist"))
    [wheel] = (work / "dist").glob("benchsvc-*.whl")

    environment = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(environment)], check=True, timeout=120)
    python = environment / "bin" / "python"
    site_packages = Path(subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True, env=without_checkout(), timeout=60,
    ).stdout.strip())
    pip("--python", str(python), "install", "--no-deps", "--no-index", str(wheel))
    # Only after pip is done: pip must never see (let alone replace) the running environment's benchsvc.
    dependencies = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site_packages / "benchsvc-dependencies.pth").write_text("\n".join(sorted(dependencies)) + "\n")
    return Installed(wheel=wheel, source=source, python=python, benchsvc=environment / "bin" / "benchsvc",
                     site_packages=site_packages)


def without_checkout(**settings: str) -> dict[str, str]:
    """The environment of a user's shell: nothing points into the checkout."""
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    return {**environment, **settings}


def run_in(directory: Path, *command: str | Path, **settings: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(part) for part in command], cwd=directory, env=without_checkout(**settings),
                          capture_output=True, text=True, timeout=600)


def test_the_wheel_holds_every_file_of_the_packages_and_the_migrations(installed):
    # Given the files the wheel was built from (templates, static files and tuning databases too)
    expected = set()
    for package in ("benchsvc", "torch_tvm_core", "dashboards", "migrations"):
        installed_as = "benchsvc/migrations" if package == "migrations" else package
        expected |= {f"{installed_as}/{path.relative_to(installed.source / package).as_posix()}"
                     for path in (installed.source / package).rglob("*") if path.is_file()}
    # Then the wheel holds each of them
    with zipfile.ZipFile(installed.wheel) as wheel:
        assert expected - set(wheel.namelist()) == set()


def test_the_installed_package_and_its_migrations_come_from_the_wheel(installed, tmp_path):
    # When the installed interpreter imports benchsvc from a directory outside the checkout
    located = run_in(tmp_path, installed.python, "-c",
                     "import benchsvc.storage.database as d; print(d.__file__); print(d.migrations_directory())")
    # Then the code and the migrations both lie inside the virtual environment
    assert located.returncode == 0, located.stderr
    module, migrations = (Path(line) for line in located.stdout.split())
    assert module.is_relative_to(installed.site_packages)
    assert migrations == installed.site_packages / "benchsvc" / "migrations"
    assert sorted(path.name for path in (migrations / "versions").glob("*.py")) == sorted(
        path.name for path in (REPOSITORY / "migrations" / "versions").glob("*.py"))


def test_db_upgrade_from_the_wheel_brings_a_new_database_up_to_date(installed, tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    # When a user upgrades a new database with the installed command
    upgraded = run_in(tmp_path, installed.benchsvc, "db", "upgrade", "--database-url", url)
    current = run_in(tmp_path, installed.benchsvc, "db", "current", "--database-url", url)
    # Then every migration has been applied
    assert upgraded.returncode == 0, upgraded.stderr
    assert current.returncode == 0 and "(up to date)" in current.stdout, current.stdout + current.stderr


def test_run_from_the_wheel_measures_jit_and_tvm_without_storing(installed, tmp_path):
    data = tmp_path / "data"
    # When a user measures a tiny input with the installed command, storing nothing
    measured = run_in(tmp_path, installed.benchsvc, "run", *TINY_RUN, "--no-store", "--json",
                      BENCHSVC_DATA_DIR=str(data))
    # Then both backends measured correct results, and nothing was written
    assert measured.returncode == 0, measured.stderr
    document = json.loads(measured.stdout)
    assert [(result["backend"], result["status"]) for result in document["results"]] == [("jit", "ok"), ("tvm", "ok")]
    assert not data.exists()
