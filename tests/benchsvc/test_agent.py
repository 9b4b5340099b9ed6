"""An agent keeps what it measured while the server is down and delivers it, once, when it is back."""

import time

import httpx
from typer.testing import CliRunner

from benchsvc.agent import Backoff, deliver_outbox, send
from benchsvc.cli.app import app
from benchsvc.spool import pending, spool
from tests.benchsvc.scheduling.test_scheduler import INSTANT_SUITE
from tests.support.documents import a_document, a_result
from tests.support.servers import free_port, issue_token


def test_runs_wait_in_the_outbox_while_the_server_is_down_and_go_out_once_it_is_up(
    server_factory, empty_sqlite_url, isolated_data_dir
):
    # Given an agent whose server is down
    outbox = isolated_data_dir / "outbox"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    first, second = a_document(), a_document()

    # When it finishes two nights
    report_down = send(first, outbox, url, "any-token")
    send(second, outbox, url, "any-token")

    # Then both wait in the outbox, and nothing is lost
    assert report_down.delivered == [] and "cannot reach" in report_down.errors[0]
    assert [path.stem for path in pending(outbox)] == [str(first.run_id), str(second.run_id)]

    # When the server comes back and the agent retries
    server = server_factory(empty_sqlite_url, port=port)
    token = issue_token(empty_sqlite_url)
    report_up = deliver_outbox(outbox, url, token)

    # Then both runs are delivered, oldest first, and the outbox is empty
    assert [d.run_id for d in report_up.delivered] == [str(first.run_id), str(second.run_id)]
    assert pending(outbox) == []
    assert httpx.get(f"{server.url}/api/v1/runs").json()["total"] == 2


def test_a_run_the_server_already_has_leaves_the_outbox_without_being_stored_twice(server, isolated_data_dir):
    outbox = isolated_data_dir / "outbox"
    token = issue_token(server.database_url)
    document = a_document()
    send(document, outbox, server.url, token)

    # As if the answer to the first post had been lost: the same run is still in the outbox.
    report = send(document, outbox, server.url, token)

    assert [(d.run_id, d.created) for d in report.delivered] == [(str(document.run_id), False)]
    assert pending(outbox) == []
    runs = httpx.get(f"{server.url}/api/v1/runs", params={"limit": 500}).json()["runs"]
    assert [run["run_id"] for run in runs].count(str(document.run_id)) == 1


def test_a_run_the_server_rejects_is_set_aside_so_later_runs_still_go_out(server, isolated_data_dir):
    outbox = isolated_data_dir / "outbox"
    token = issue_token(server.database_url)
    broken = outbox / "broken.json"
    outbox.mkdir(parents=True)
    broken.write_text('{"run_id": "not a run"}')
    good = a_document()

    report = send(good, outbox, server.url, token)

    assert [d.run_id for d in report.delivered] == [str(good.run_id)]
    assert report.rejected == [outbox / "rejected" / "broken.json"]
    assert pending(outbox) == []


def test_a_run_the_server_refuses_as_invalid_is_set_aside_and_the_runs_behind_it_are_delivered(
    server_factory, cli_env, empty_sqlite_url, isolated_data_dir
):
    # Given a server that takes bodies up to 4 KiB, and an outbox whose oldest run is larger
    cli_env["BENCHSVC_API_MAX_BODY_BYTES"] = "4096"
    server = server_factory(empty_sqlite_url)
    token = issue_token(empty_sqlite_url)
    outbox = isolated_data_dir / "outbox"
    too_large = a_document(a_result(samples=[80.0 + i / 1000 for i in range(1000)]))
    spool(too_large, outbox)
    good = a_document()

    # When the agent delivers
    report = send(good, outbox, server.url, token, Backoff(attempts=1))

    # Then the refused run is kept aside, reported, and the good one behind it is delivered
    assert [d.run_id for d in report.delivered] == [str(good.run_id)]
    assert report.rejected == [outbox / "rejected" / f"{too_large.run_id}.json"]
    assert "answered 413" in report.errors[0] and "never retried" in report.errors[0]
    assert pending(outbox) == []

    # And a later pass does not try it again
    assert deliver_outbox(outbox, server.url, token).errors == []


def test_a_refused_token_keeps_every_run_in_the_outbox(server, isolated_data_dir):
    outbox = isolated_data_dir / "outbox"
    first, second = a_document(), a_document()
    spool(first, outbox)

    report = send(second, outbox, server.url, "bsv_not-a-token", Backoff(attempts=1))

    assert report.delivered == [] and report.rejected == []
    assert "answered 401" in report.errors[0] and "kept in the outbox" in report.errors[0]
    assert {path.stem for path in pending(outbox)} == {str(first.run_id), str(second.run_id)}


def test_an_unreachable_server_is_tried_again_with_growing_pauses_before_the_run_waits(isolated_data_dir):
    outbox = isolated_data_dir / "outbox"
    url = f"http://127.0.0.1:{free_port()}"
    started = time.monotonic()

    report = send(a_document(), outbox, url, "any-token", Backoff(attempts=3, first_delay_seconds=0.2))

    # Three attempts: pauses of 0.2 s and 0.4 s between them.
    assert time.monotonic() - started >= 0.6
    assert report.delivered == [] and len(pending(outbox)) == 1
    assert "cannot reach" in report.errors[0]


def test_agent_now_exits_non_zero_when_its_run_was_not_delivered(isolated_data_dir):
    isolated_data_dir.mkdir(parents=True, exist_ok=True)
    (isolated_data_dir / "suite.toml").write_text(INSTANT_SUITE)
    url = f"http://127.0.0.1:{free_port()}"

    answer = CliRunner().invoke(app, ["agent", "--now", "--url", url, "--token", "any-token"])

    assert answer.exit_code == 1
    assert "was not delivered" in answer.output
    assert len(pending(isolated_data_dir / "outbox")) == 1


def test_agent_now_exits_zero_once_the_server_has_its_run(server, isolated_data_dir):
    isolated_data_dir.mkdir(parents=True, exist_ok=True)
    (isolated_data_dir / "suite.toml").write_text(INSTANT_SUITE)

    answer = CliRunner().invoke(app, ["agent", "--now", "--url", server.url, "--token", issue_token(server.database_url)])

    assert answer.exit_code == 0, answer.output
    assert pending(isolated_data_dir / "outbox") == []
