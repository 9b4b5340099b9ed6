import json
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from benchsvc.cli.app import app
from benchsvc.domain import RunDocument, Status

QUICK = ["--image-size", "32", "--repeat", "2", "--iterations", "1", "--warmup", "0", "--threads", "1"]


@pytest.fixture
def cli() -> CliRunner:
    return CliRunner()


def test_run_prints_a_table_with_paired_speedups_over_jit_and_says_where_it_stored(cli, isolated_data_dir):
    result = cli.invoke(app, ["run", "--model", "resnet18", "--backends", "jit,eager", *QUICK])

    assert result.exit_code == 0, result.output
    assert "resnet18" in result.stdout and "eager" in result.stdout
    assert re.search(r"\d+\.\d\dx \[\d+\.\d\d-\d+\.\d\d\]", result.stdout)
    assert "ok (max diff" in result.stdout
    assert f"stored in sqlite:///{isolated_data_dir}" in result.stderr


def test_a_run_over_one_and_two_threads_prints_each_backends_scaling_from_one_thread(cli):
    result = cli.invoke(
        app, ["run", "--backends", "eager", "--image-size", "32", "--repeat", "3", "--iterations", "1",
              "--warmup", "0", "--threads", "1,2", "--no-store"],
    )

    assert result.exit_code == 0, result.output
    assert "vs fewest threads" in result.stdout
    assert re.search(r"\d+\.\d\dx \[\d+\.\d\d-\d+\.\d\d\] from 1", result.stdout)


def test_a_run_above_batch_one_prints_images_per_second(cli):
    result = cli.invoke(app, ["run", "--backends", "eager", "--batch-size", "4", "--no-store", *QUICK])

    assert result.exit_code == 0, result.output
    assert "images/s" in result.stdout


def test_a_run_document_carries_the_scaling_of_each_result_above_the_fewest_threads(cli):
    result = cli.invoke(
        app, ["run", "--backends", "eager", "--json", "--image-size", "32", "--repeat", "3", "--iterations", "1",
              "--warmup", "0", "--threads", "1,2", "--no-store"],
    )

    document = RunDocument.model_validate_json(result.stdout)
    scaling = {r.threads: r.scaling for r in document.results}
    assert scaling[1] is None and scaling[2].threads == 1


def test_run_json_prints_only_the_run_document_on_stdout(cli):
    result = cli.invoke(app, ["run", "--backends", "eager", "--json", *QUICK])

    assert result.exit_code == 0, result.output
    document = RunDocument.model_validate_json(result.stdout)
    assert [r.backend for r in document.results] == ["eager"]
    assert document.results[0].status is Status.OK
    assert len(document.results[0].samples) == 2


def test_a_stored_run_appears_in_history(cli):
    cli.invoke(app, ["run", "--backends", "eager", *QUICK])

    result = cli.invoke(app, ["history", "--model", "resnet18", "--json"])

    assert result.exit_code == 0, result.output
    points = json.loads(result.stdout)
    assert [(p["backend"], p["threads"]) for p in points] == [("eager", 1)]


def test_thread_list_sweeps_each_count(cli):
    result = cli.invoke(app, ["run", "--backends", "eager", "--json", *QUICK[:-2], "--threads", "1,2"])

    document = RunDocument.model_validate_json(result.stdout)
    assert [r.threads for r in document.results] == [1, 2]


def test_run_can_store_in_postgresql_given_by_url(cli, database_url):
    result = cli.invoke(app, ["run", "--backends", "eager", "--database-url", database_url, *QUICK])

    assert result.exit_code == 0, result.output
    history = cli.invoke(app, ["history", "--model", "resnet18", "--database-url", database_url, "--json"])
    assert len(json.loads(history.stdout)) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--model", "vgg16"], "unknown model 'vgg16'; choose one of: resnet18"),
        (["--backends", "jit,onnx"], "unknown backend 'onnx'; choose from: jit, tvm"),
        (["--threads", "two"], "--threads takes positive integers"),
        (["--tag", "novalue"], "--tag takes KEY=VALUE"),
    ],
)
def test_bad_input_is_a_one_line_error_with_exit_code_2(cli, args, message):
    result = cli.invoke(app, ["run", *args, *QUICK[:-2]])

    assert result.exit_code == 2
    assert message in " ".join(result.stderr.split())


def test_missing_weights_file_is_refused_before_measuring(cli, tmp_path):
    result = cli.invoke(app, ["run", "--weights", str(tmp_path / "none.pt"), *QUICK])

    assert result.exit_code == 2
    assert "weights file not found" in result.stderr


def test_unreachable_database_keeps_the_results_in_a_spool_file(cli, isolated_data_dir):
    result = cli.invoke(
        app, ["run", "--backends", "eager", "--database-url", "postgresql://x@127.0.0.1:1/none", *QUICK]
    )

    assert result.exit_code == 1
    assert "cannot use the database" in result.stderr
    spooled = list((isolated_data_dir / "spool").glob("*.json"))
    assert len(spooled) == 1
    assert spooled[0].name in result.stderr
    assert RunDocument.model_validate_json(spooled[0].read_text()).results[0].backend == "eager"


def test_a_backend_that_fails_is_reported_and_the_others_still_run(cli, monkeypatch):
    from benchsvc.backends.jit import JitBackend

    def refuse(self, model, inputs):
        raise RuntimeError("cannot trace this model")

    monkeypatch.setattr(JitBackend, "prepare", refuse)

    result = cli.invoke(app, ["run", "--backends", "jit,eager", "--json", *QUICK])

    assert result.exit_code == 0, result.output
    jit, eager = RunDocument.model_validate_json(result.stdout).results
    assert jit.status is Status.FAILED and "cannot trace this model" in jit.error
    assert eager.status is Status.OK


def test_history_of_an_unmigrated_database_says_what_to_do(cli, empty_sqlite_url):
    sqlite3.connect(empty_sqlite_url.removeprefix("sqlite:///")).close()

    result = cli.invoke(app, ["history", "--model", "resnet18", "--database-url", empty_sqlite_url])

    assert result.exit_code == 1
    assert "benchsvc db upgrade" in result.stderr


def test_db_upgrade_then_current_reports_up_to_date(cli, empty_database_url):
    upgraded = cli.invoke(app, ["db", "upgrade", "--database-url", empty_database_url])
    current = cli.invoke(app, ["db", "current", "--database-url", empty_database_url])

    assert upgraded.exit_code == 0, upgraded.output
    assert "up to date" in current.stdout


def test_the_console_script_is_installed_and_answers():
    script = Path(sys.executable).parent / "benchsvc"

    done = subprocess.run([str(script), "--help"], capture_output=True, text=True, check=False)


    assert done.returncode == 0
    assert "run" in done.stdout and "history" in done.stdout
