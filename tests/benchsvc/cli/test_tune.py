import json
import os
import re
import time

from typer.testing import CliRunner

from benchsvc.cli.app import app
from torch_tvm_core import pipeline
from torch_tvm_core.schedules import databases
from torch_tvm_core.schedules.tuning_lock import exclusive_tuning

SMALL = ["--model", "resnet18", "--image-size", "32"]


def test_tune_writes_this_machines_database_and_the_next_run_uses_it(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_TVM_CORE_TUNING_DIR", str(tmp_path / "tuning"))
    monkeypatch.setenv("TORCH_TVM_CORE_CACHE_DIR", "off")

    tuned = CliRunner().invoke(app, ["tune", *SMALL, "--trials", "2", "--threads", "1"])
    run = CliRunner().invoke(
        app, ["run", *SMALL, "--backends", "tvm", "--threads", "1", "--repeat", "1",
              "--iterations", "1", "--warmup", "0", "--json", "--no-store"],
    )

    assert tuned.exit_code == 0, tuned.output
    assert "15/15" in tuned.stdout
    (database,) = (tmp_path / "tuning").iterdir()
    records = (database / "database_tuning_record.json").read_text().splitlines()
    assert len(records) == 15 and all(json.loads(line) for line in records)
    assert run.exit_code == 0, run.output
    (result,) = json.loads(run.stdout)["results"]
    assert result["status"] == "ok"
    assert databases.database_for_cpu(pipeline.default_target(1)) == database


def test_tune_refuses_an_unknown_model_with_exit_code_2(tmp_path):
    result = CliRunner().invoke(app, ["tune", "--model", "vgg16", "--database", str(tmp_path / "db")])

    assert result.exit_code == 2
    assert "unknown model 'vgg16'" in result.stderr


def test_tune_refuses_a_database_another_process_is_tuning(tmp_path):
    with exclusive_tuning(tmp_path):
        result = CliRunner().invoke(app, ["tune", *SMALL, "--database", str(tmp_path)])

    assert result.exit_code == 1
    assert f"is being tuned by process {os.getpid()}" in result.stderr


def test_tune_in_the_background_returns_at_once_and_its_own_process_writes_the_database(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_TVM_CORE_CACHE_DIR", "off")
    database = tmp_path / "tuning"

    started = CliRunner().invoke(
        app, ["tune", *SMALL, "--trials", "2", "--threads", "1", "--database", str(database), "--background"]
    )

    assert started.exit_code == 0, started.output
    pid = int(re.search(r"process (\d+)", started.stdout).group(1))
    assert pid != os.getpid()
    log = next((tmp_path / "benchsvc-data" / "logs").glob("tune-resnet18-*.log"))
    deadline = time.monotonic() + 600
    while "database:" not in log.read_text() and time.monotonic() < deadline:
        time.sleep(1)
    assert "15/15" in log.read_text(), log.read_text()
    records = (database / "database_tuning_record.json").read_text().splitlines()
    assert len(records) == 15
