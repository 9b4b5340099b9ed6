"""Regressions are detected on ingest, stored once, listed, changed by people, and announced."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from fastapi.testclient import TestClient

from tests.support.synthetic_history import HistoryPlan, InjectedStep, generate_history
from benchsvc.api import create_app
from benchsvc.config import Settings, get_settings
from benchsvc.storage import make_engine, store, transaction
from benchsvc.storage.tokens import Scope, create_token

# One series, 10% slower from night 14: confirmed on night 15 (two nights on the new level).
PLAN = HistoryPlan(
    nights=18, models=("resnet18",), backends=("tvm",), threads=(2,),
    steps=[InjectedStep("resnet18", "tvm", 2, 14, -0.10)],
)


@pytest.fixture
def history(database_url: str) -> list:
    documents = list(generate_history(PLAN))
    for document in documents:
        store(database_url, document)
    return documents


@pytest.fixture
def client(database_url: str, isolated_data_dir) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(database_url=database_url, data_dir=isolated_data_dir))) as test_client:
        yield test_client


def write_token(database_url: str) -> str:
    engine = make_engine(database_url)
    with transaction(engine) as session:
        secret = create_token(session, "ci", Scope.WRITE).secret
    engine.dispose()
    return secret


def test_a_drop_is_stored_once_at_the_run_where_it_began(history, client):
    regressions = client.get("/api/v1/regressions").json()
    assert len(regressions) == 1
    found = regressions[0]
    assert found["started_run_id"] == str(history[14].run_id)
    assert found["detected_run_id"] == str(history[15].run_id)
    assert (found["model"], found["backend"], found["threads"], found["state"]) == ("resnet18", "tvm", 2, "new")
    assert -13.0 < found["change_percent"] < -7.0


def test_the_list_filters_by_state_model_backend_and_machine(history, client):
    assert len(client.get("/api/v1/regressions", params={"state": "new", "machine": "bench-01"}).json()) == 1
    assert client.get("/api/v1/regressions", params={"state": "fixed"}).json() == []
    assert client.get("/api/v1/regressions", params={"model": "resnet50"}).json() == []
    assert client.get("/api/v1/regressions", params={"backend": "jit"}).json() == []


def test_changing_a_state_needs_a_write_token(history, client, database_url):
    regression_id = client.get("/api/v1/regressions").json()[0]["id"]
    refused = client.patch(f"/api/v1/regressions/{regression_id}", json={"state": "acknowledged"})
    assert refused.status_code == 401
    changed = client.patch(
        f"/api/v1/regressions/{regression_id}", json={"state": "false_alarm"},
        headers={"Authorization": f"Bearer {write_token(database_url)}"},
    )
    assert changed.status_code == 200 and changed.json()["state"] == "false_alarm"
    assert client.get("/api/v1/regressions", params={"state": "false_alarm"}).json()[0]["id"] == regression_id


def test_posting_the_history_through_the_api_detects_the_same_drop(client, database_url):
    headers = {"Authorization": f"Bearer {write_token(database_url)}", "Content-Type": "application/json"}
    for document in generate_history(PLAN):
        assert client.post("/api/v1/runs", content=document.model_dump_json(), headers=headers).status_code == 201
    assert len(client.get("/api/v1/regressions").json()) == 1


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
