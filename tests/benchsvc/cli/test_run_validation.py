"""`benchsvc run` checks every option before it builds the first model."""

import pytest
from typer.testing import CliRunner

from benchsvc.cli.app import app

QUICK = ["--image-size", "32", "--repeat", "2", "--iterations", "1", "--warmup", "0", "--threads", "1"]


@pytest.fixture
def cli() -> CliRunner:
    return CliRunner()


@pytest.fixture
def nothing_may_be_measured(monkeypatch):
    def refuse(*_args, **_kwargs):
        raise AssertionError("a model was built although an option was bad")

    monkeypatch.setattr("benchsvc.runner.case.build_model", refuse)


def refused(result) -> str:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_a_directory_that_is_not_a_tuning_database_is_refused(cli, tmp_path, isolated_data_dir, nothing_may_be_measured):
    not_a_database = tmp_path / "notes"
    not_a_database.mkdir()
    (not_a_database / "readme.txt").write_text("hello")

    result = cli.invoke(app, ["run", "--backends", "jit,tvm", "--tuning-db", str(not_a_database), *QUICK])

    assert "--tuning-db" in refused(result) and "not a tuning database" in result.stderr
    assert not isolated_data_dir.exists()


def test_an_unsupported_database_url_scheme_is_refused(cli, isolated_data_dir, nothing_may_be_measured):
    result = cli.invoke(app, ["run", "--backends", "eager", "--database-url", "mysql://root@localhost/bench", *QUICK])

    assert "unsupported database URL scheme 'mysql'" in refused(result)


def test_a_malformed_tag_is_refused_before_measuring(cli, isolated_data_dir, nothing_may_be_measured):
    result = cli.invoke(app, ["run", "--backends", "eager", "--tag", "nightly", *QUICK])

    assert "--tag takes KEY=VALUE" in refused(result)
    assert not isolated_data_dir.exists()


def test_an_output_file_in_a_missing_directory_is_refused(cli, tmp_path, nothing_may_be_measured):
    result = cli.invoke(app, ["run", "--backends", "eager", "--out", str(tmp_path / "missing" / "run.json"), *QUICK])

    assert "--out: cannot write" in refused(result)


def test_the_run_document_is_written_where_out_says(cli, tmp_path):
    out = tmp_path / "run.json"

    result = cli.invoke(app, ["run", "--backends", "eager", "--no-store", "--out", str(out), *QUICK])

    assert result.exit_code == 0, result.output
    assert '"backend": "eager"' in out.read_text()
