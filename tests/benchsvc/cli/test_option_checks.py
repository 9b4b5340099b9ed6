"""Every command checks its options before any work: a bad one is one line and exit status 2."""

from __future__ import annotations

import os

import pytest
from typer.testing import CliRunner

from benchsvc.cli.app import app
from tests.support.servers import benchsvc

runner = CliRunner()

COMMANDS_WITH_A_DATABASE = [
    ["run", "--model", "resnet18"],
    ["history", "--model", "resnet18"],
    ["report", "--model", "resnet18", "--out", "x.html"],
    ["db", "upgrade"],
    ["db", "current"],
    ["token", "create", "--name", "ci"],
    ["token", "list"],
    ["token", "revoke", "ci"],
    ["schedule", "--now"],
    ["serve"],
    ["regressions", "list"],
    ["regressions", "set", "1", "acknowledged"],
]


def one_line(output: str) -> str:
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1, output
    return lines[0]


@pytest.mark.parametrize("command", COMMANDS_WITH_A_DATABASE, ids=lambda command: " ".join(command[:2]))
def test_an_unsupported_database_url_is_one_line_and_exit_2(command, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    answer = runner.invoke(app, [*command, "--database-url", "mysql://root@localhost/bench"])

    assert answer.exit_code == 2
    assert "unsupported database URL scheme 'mysql'" in one_line(answer.output)


def test_a_database_url_that_is_no_url_is_one_line_and_exit_2():
    answer = runner.invoke(app, ["history", "--model", "resnet18", "--database-url", "not a url"])

    assert answer.exit_code == 2
    assert "invalid database URL 'not a url'" in one_line(answer.output)


def test_a_report_into_a_missing_directory_is_one_line_and_exit_2(database_url, tmp_path):
    out = tmp_path / "missing" / "dir" / "x.html"

    answer = runner.invoke(app, ["report", "--out", str(out), "--database-url", database_url])

    assert answer.exit_code == 2
    assert "the directory" in one_line(answer.output) and "does not exist" in answer.output
    assert not out.parent.exists()


def test_a_report_onto_a_directory_is_one_line_and_exit_2(database_url, tmp_path):
    answer = runner.invoke(app, ["report", "--out", str(tmp_path), "--database-url", database_url])

    assert answer.exit_code == 2
    assert "is a directory" in one_line(answer.output)


@pytest.mark.parametrize("port", ["0", "99999", "-1"])
def test_serve_refuses_a_port_outside_1_to_65535(port, empty_sqlite_url):
    answer = runner.invoke(app, ["serve", "--port", port, "--database-url", empty_sqlite_url])

    assert answer.exit_code == 2
    assert f"--port must be between 1 and 65535, got {port}" in one_line(answer.output)


def test_a_bad_tag_is_refused_before_anything_is_measured():
    answer = runner.invoke(app, ["run", "--model", "resnet18", "--tag", "no-equals-sign", "--no-store"])

    assert answer.exit_code == 2
    assert "--tag takes KEY=VALUE" in one_line(answer.output)


@pytest.mark.parametrize("command", [["post", "run.json", "--token", "t"], ["agent", "--flush", "--token", "t"]])
def test_a_server_url_that_is_not_http_is_one_line_and_exit_2(command):
    answer = runner.invoke(app, [*command, "--url", "ftp://bench.example.org"])

    assert answer.exit_code == 2
    assert "is not an http:// or https:// URL" in one_line(answer.output)


def test_an_unknown_migration_revision_is_one_line_and_exit_2(empty_sqlite_url):
    answer = runner.invoke(app, ["db", "upgrade", "--revision", "nonsense", "--database-url", empty_sqlite_url])

    assert answer.exit_code == 2
    assert "--revision" in one_line(answer.output)


def test_a_setting_that_does_not_parse_is_one_line_and_exit_2(isolated_data_dir):
    env = {**os.environ, "BENCHSVC_DATA_DIR": str(isolated_data_dir), "BENCHSVC_API_PORT": "99999"}

    answer = benchsvc("serve", env=env, timeout=60)

    assert answer.returncode == 2
    assert "BENCHSVC_API_PORT" in one_line(answer.stderr)
