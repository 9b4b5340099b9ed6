"""`benchsvc regressions list` and `set`: triage from a terminal, recorded in the regression's history."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from benchsvc.cli.app import app
from benchsvc.ingest import store
from tests.support.synthetic_history import HistoryPlan, InjectedStep, generate_history

# resnet18 tvm slows down 10% on night 14; resnet50 stays put.
PLAN = HistoryPlan(
    nights=18, models=("resnet18", "resnet50"), backends=("tvm",), threads=(2,),
    steps=[InjectedStep("resnet18", "tvm", 2, 14, -0.10)],
)


@pytest.fixture
def cli() -> CliRunner:
    return CliRunner()


@pytest.fixture
def history(database_url: str) -> str:
    for document in generate_history(PLAN):
        store(database_url, document)
    return database_url


def listed(cli: CliRunner, database_url: str, *options: str) -> list[dict]:
    result = cli.invoke(app, ["regressions", "list", "--json", "--database-url", database_url, *options])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_list_prints_the_open_regressions_in_a_table(cli, history):
    result = cli.invoke(app, ["regressions", "list", "--open", "--database-url", history])
    assert result.exit_code == 0, result.output
    assert "resnet18" in result.stdout and "tvm" in result.stdout and "new" in result.stdout


def test_list_filters_by_model_and_machine(cli, history):
    assert [r["model"] for r in listed(cli, history, "--model", "resnet18", "--machine", "bench-01")] == ["resnet18"]
    assert listed(cli, history, "--model", "resnet50") == []
    assert listed(cli, history, "--machine", "bench-99") == []


def test_set_changes_the_state_and_records_who_and_why(cli, history):
    # Given the open regression
    regression_id = listed(cli, history, "--open")[0]["id"]
    # When it is marked a false alarm with a comment
    result = cli.invoke(app, ["regressions", "set", str(regression_id), "false_alarm", "--comment", "noisy host",
                              "--by", "alice", "--database-url", history])
    # Then it is no longer open, and its history names alice and her reason
    assert result.exit_code == 0, result.output
    assert "false_alarm" in result.stdout
    assert listed(cli, history, "--open") == []
    last = listed(cli, history, "--state", "false_alarm")[0]["history"][-1]
    assert (last["from_state"], last["to_state"], last["actor"], last["comment"]) == (
        "new", "false_alarm", "alice", "noisy host")


def test_set_refuses_an_unknown_state_with_status_2(cli, history):
    regression_id = listed(cli, history)[0]["id"]
    result = cli.invoke(app, ["regressions", "set", str(regression_id), "solved", "--database-url", history])
    assert result.exit_code == 2
    assert listed(cli, history)[0]["state"] == "new"


def test_set_on_an_unknown_regression_exits_with_2_and_one_line(cli, history):
    result = cli.invoke(app, ["regressions", "set", "999", "fixed", "--database-url", history])
    assert result.exit_code == 2
    assert "no regression 999" in result.stderr


def test_listing_without_a_database_says_nothing_is_stored_and_creates_nothing(cli, isolated_data_dir):
    result = cli.invoke(app, ["regressions", "list"])

    assert result.exit_code == 0, result.output
    assert "nothing stored yet" in result.stdout
    assert not isolated_data_dir.exists()
