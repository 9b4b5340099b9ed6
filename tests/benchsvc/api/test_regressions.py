"""Regressions: detected on ingest, stored once, triaged by people, closed when the series recovers."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from fastapi.testclient import TestClient

from benchsvc.api import create_app
from benchsvc.config import Settings, get_settings
from benchsvc.ingest import ingest, store
from benchsvc.ingest.worker import drain
from benchsvc.storage import make_engine, transaction, upgrade
from benchsvc.storage.jobs import JobState
from benchsvc.storage.regressions import RegressionFilter, list_regressions
from benchsvc.storage.tokens import Scope, create_token
from tests.support.synthetic_history import HistoryPlan, InjectedStep, generate_history
from tests.support.analysis import analysis_settled

# One series, 10% slower from night 14: confirmed on night 15 (two nights on the new level).
PLAN = HistoryPlan(
    nights=18, models=("resnet18",), backends=("tvm",), threads=(2,),
    steps=[InjectedStep("resnet18", "tvm", 2, 14, -0.10)],
)
# The same drop, fixed on night 20 (back to the old level), and a new drop on night 32.
FIXED_THEN_AGAIN = HistoryPlan(
    nights=36, models=("resnet18",), backends=("tvm",), threads=(2,),
    steps=[InjectedStep("resnet18", "tvm", 2, 14, -0.10), InjectedStep("resnet18", "tvm", 2, 20, 1 / 0.9 - 1),
           InjectedStep("resnet18", "tvm", 2, 32, -0.10)],
)


def stored(database_url: str, plan: HistoryPlan) -> list:
    documents = list(generate_history(plan))
    for document in documents:
        store(database_url, document)
    return documents


@pytest.fixture
def history(database_url: str) -> list:
    return stored(database_url, PLAN)


@pytest.fixture
def client(database_url: str, isolated_data_dir) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(database_url=database_url, data_dir=isolated_data_dir))) as test_client:
        yield test_client


def write_token(database_url: str, name: str = "ci") -> str:
    engine = make_engine(database_url)
    with transaction(engine) as session:
        secret = create_token(session, name, Scope.WRITE).secret
    engine.dispose()
    return secret


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_drop_is_stored_once_at_the_run_where_it_began(history, client):
    regressions = client.get("/api/v1/regressions").json()
    assert len(regressions) == 1
    found = regressions[0]
    assert found["started_run_id"] == str(history[14].run_id)
    assert found["last_good_run_id"] == str(history[13].run_id)
    assert found["detected_run_id"] == str(history[15].run_id)
    assert (found["model"], found["backend"], found["threads"], found["state"]) == ("resnet18", "tvm", 2, "new")
    assert found["open"] is True and found["recovered_run_id"] is None
    assert -13.0 < found["change_percent"] < -7.0
    assert [(h["from_state"], h["to_state"], h["actor"]) for h in found["history"]] == [(None, "new", "detection")]


def test_the_list_filters_by_state_openness_model_backend_and_machine(history, client):
    assert len(client.get("/api/v1/regressions", params={"state": "new", "machine": "bench-01"}).json()) == 1
    assert len(client.get("/api/v1/regressions", params={"open": "true"}).json()) == 1
    assert client.get("/api/v1/regressions", params={"open": "false"}).json() == []
    assert client.get("/api/v1/regressions", params={"state": "fixed"}).json() == []
    assert client.get("/api/v1/regressions", params={"model": "resnet50"}).json() == []
    assert client.get("/api/v1/regressions", params={"backend": "jit"}).json() == []


def test_an_unknown_state_is_a_422_naming_the_field(history, client):
    answer = client.get("/api/v1/regressions", params={"state": "solved"})
    assert answer.status_code == 422
    assert answer.json()["message"].startswith("state: ")


def test_changing_a_state_needs_a_write_token(history, client):
    regression_id = client.get("/api/v1/regressions").json()[0]["id"]
    refused = client.patch(f"/api/v1/regressions/{regression_id}", json={"state": "acknowledged"})
    assert refused.status_code == 401
    assert client.get(f"/api/v1/regressions/{regression_id}").json()["state"] == "new"


def test_a_state_change_records_who_when_and_why(history, client, database_url):
    # Given the open regression and a write token named "alice"
    regression_id = client.get("/api/v1/regressions").json()[0]["id"]
    token = write_token(database_url, "alice")
    # When alice acknowledges it, then calls it expected with a comment
    client.patch(f"/api/v1/regressions/{regression_id}", json={"state": "acknowledged"}, headers=bearer(token))
    answer = client.patch(
        f"/api/v1/regressions/{regression_id}", json={"state": "expected", "comment": "new TVM release, known"},
        headers=bearer(token),
    )
    # Then the regression is expected, no longer open, and its history says who did what
    changed = answer.json()
    assert answer.status_code == 200 and changed["state"] == "expected" and changed["open"] is False
    steps = [(h["from_state"], h["to_state"], h["actor"], h["comment"]) for h in changed["history"]]
    assert steps == [
        (None, "new", "detection", None),
        ("new", "acknowledged", "alice", None),
        ("acknowledged", "expected", "alice", "new TVM release, known"),
    ]
    assert changed["history"][-1]["changed_at"] >= changed["history"][0]["changed_at"]
    assert client.get("/api/v1/regressions", params={"state": "expected"}).json()[0]["id"] == regression_id
    assert client.get("/api/v1/regressions", params={"open": "true"}).json() == []


def test_a_state_outside_the_lifecycle_is_refused(history, client, database_url):
    regression_id = client.get("/api/v1/regressions").json()[0]["id"]
    answer = client.patch(f"/api/v1/regressions/{regression_id}", json={"state": "solved"},
                          headers=bearer(write_token(database_url)))
    assert answer.status_code == 422


def test_a_series_that_comes_back_is_closed_as_recovered_and_a_later_drop_opens_a_new_one(database_url, client):
    # Given a 10% drop on night 14, the old level back from night 20, and a new drop on night 32
    history = stored(database_url, FIXED_THEN_AGAIN)
    # When the regressions are listed, oldest first
    regressions = sorted(client.get("/api/v1/regressions").json(), key=lambda r: r["id"])
    # Then the first was closed by detection at the run where the series came back
    first, second = regressions
    assert first["state"] == "recovered" and first["open"] is False
    assert first["recovered_run_id"] == str(history[20].run_id)
    assert first["history"][-1]["actor"] == "detection" and first["history"][-1]["to_state"] == "recovered"
    # And the later drop is a new regression of its own
    assert second["state"] == "new"
    assert second["started_run_id"] in [str(document.run_id) for document in history[32:35]]


def test_a_drop_seen_only_in_noisy_results_raises_nothing(database_url, client):
    # Given the same 10% drop, but every night from the drop on timed under interference (noisy)
    stored(database_url, HistoryPlan(
        nights=18, models=("resnet18",), backends=("tvm",), threads=(2,),
        steps=[InjectedStep("resnet18", "tvm", 2, 14, -0.10)], noisy=range(14, 18),
    ))
    # Then no regression is opened
    assert client.get("/api/v1/regressions").json() == []


def test_a_run_posted_through_the_api_detects_the_same_drop(client, database_url):
    headers = {**bearer(write_token(database_url)), "Content-Type": "application/json"}
    for document in generate_history(PLAN):
        assert client.post("/api/v1/runs", content=document.model_dump_json(), headers=headers).status_code == 201
    assert analysis_settled(database_url) == {JobState.DONE: PLAN.nights}
    assert len(client.get("/api/v1/regressions").json()) == 1


def test_a_pure_noise_history_raises_no_confident_regression(empty_sqlite_url, isolated_data_dir):
    # Given 60 nights of the whole suite (7 models x 2 backends x 2 thread counts) with no change at all
    upgrade(empty_sqlite_url)
    stored(empty_sqlite_url, HistoryPlan(nights=60, steps=[], seed=11))
    # When its regressions are read
    with TestClient(create_app(Settings(database_url=empty_sqlite_url, data_dir=isolated_data_dir))) as client:
        regressions = client.get("/api/v1/regressions").json()
    # Then none of them claims a confidence of 0.99 or more
    assert [r["confidence"] for r in regressions if r["confidence"] >= 0.99] == []


class Receiver(BaseHTTPRequestHandler):
    bodies: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        Receiver.bodies.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def webhook(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict]]:
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Receiver.bodies = []
    monkeypatch.setenv("BENCHSVC_WEBHOOK_URL", f"http://127.0.0.1:{server.server_port}/hook")
    get_settings.cache_clear()
    yield Receiver.bodies
    server.shutdown()


def test_a_new_regression_is_posted_to_the_webhook_as_json(webhook, database_url):
    for document in generate_history(PLAN):
        store(database_url, document)
    assert len(webhook) == 1
    assert webhook[0]["event"] == "regressions.new"
    assert [(r["model"], r["backend"], r["state"]) for r in webhook[0]["regressions"]] == [("resnet18", "tvm", "new")]


def test_analysis_that_waited_while_later_nights_arrived_still_finds_the_drop(database_url):
    # Given every night stored before the analysis worker got to any of them (a busy server)
    engine = make_engine(database_url)
    for document in generate_history(PLAN):
        ingest(engine, document)
    # When the queue is worked off afterwards
    drain(engine, Settings(database_url=database_url))
    # Then each run was judged on the history up to itself, and the drop is found as at once
    with transaction(engine) as session:
        found = list_regressions(session, RegressionFilter())
    engine.dispose()
    assert [(r.model, r.backend) for r in found] == [("resnet18", "tvm")]


# Two slow nights (14 and 15) between nights at the usual level.
TWO_SLOW_NIGHTS = HistoryPlan(
    nights=18, models=("resnet18",), backends=("tvm",), threads=(2,),
    steps=[InjectedStep("resnet18", "tvm", 2, 14, -0.10), InjectedStep("resnet18", "tvm", 2, 16, 1 / 0.9 - 1)],
)


def test_nights_posted_after_later_nights_open_no_regression(database_url):
    # Given a history where nights 16 and 17 arrived before the two slow nights measured before them
    documents = list(generate_history(TWO_SLOW_NIGHTS))
    late = documents[14:16]
    for document in documents[:14] + documents[16:]:
        store(database_url, document)
    # When the slow nights are posted late (a machine's outbox delivering a backlog)
    for document in late:
        store(database_url, document)
    # Then they are judged as a backfill: no regression opens from a drop the series has already left
    engine = make_engine(database_url)
    with transaction(engine) as session:
        found = list_regressions(session, RegressionFilter())
    engine.dispose()
    assert found == []
