import json

from typer.testing import CliRunner

from benchsvc.cli.app import app
from torch_tvm_core import pipeline
from torch_tvm_core.schedules import databases

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
