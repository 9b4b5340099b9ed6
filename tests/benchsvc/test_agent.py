"""An agent keeps what it measured while the server is down and delivers it, once, when it is back."""

import httpx

from benchsvc.agent import deliver_outbox, send
from benchsvc.spool import pending
from tests.support.servers import free_port, issue_token
from tests.support.documents import a_document


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
