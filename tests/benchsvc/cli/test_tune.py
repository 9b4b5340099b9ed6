import json

from typer.testing import CliRunner

from benchsvc.cli.app import app


def test_tune_writes_a_database_with_a_record_per_kernel(tmp_path):
    database = tmp_path / "db"

    result = CliRunner().invoke(
        app, ["tune", "--model", "resnet18", "--trials", "2", "--image-size", "32", "--database", str(database)]
    )

    assert result.exit_code == 0, result.output
    records = (database / "database_tuning_record.json").read_text().splitlines()
    assert records and all(json.loads(line) for line in records)
    assert "15/15" in result.stdout


def test_tune_refuses_an_unknown_model_with_exit_code_2(tmp_path):
    result = CliRunner().invoke(app, ["tune", "--model", "vgg16", "--database", str(tmp_path / "db")])

    assert result.exit_code == 2
    assert "unknown model 'vgg16'" in result.stderr
