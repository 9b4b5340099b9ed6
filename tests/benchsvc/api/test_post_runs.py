import json

from benchsvc.storage import make_engine, transaction
from benchsvc.storage.repository import RunFilter, count_runs
from benchsvc.storage.tokens import Scope, revoke_tokens
from tests.benchsvc.api.conftest import bearer, issue_token
from tests.support.documents import a_document, a_result


def stored_runs(database_url: str) -> int:
    engine = make_engine(database_url)
    with transaction(engine) as session:
        count = count_runs(session, RunFilter())
    engine.dispose()
    return count


def test_a_new_run_is_stored_and_answered_with_201_and_its_url(post, client):
    document = a_document(a_result("jit"), a_result("tvm"))

    answer = post(document)

    assert answer.status_code == 201
    assert answer.json() == {
        "run_id": str(document.run_id), "created": True, "message": "stored",
        "url": f"/api/v1/runs/{document.run_id}",
    }
    assert client.get(answer.json()["url"]).json() == json.loads(document.model_dump_json())


def test_posting_the_same_run_twice_stores_it_once_and_says_so(post, database_url):
    document = a_document()
    post(document)

    again = post(document)

    assert again.status_code == 200
    assert again.json()["created"] is False
    assert again.json()["message"] == "already stored; nothing changed"
    assert stored_runs(database_url) == 1


def test_a_post_without_a_token_is_refused_with_401(client, database_url):
    answer = client.post("/api/v1/runs", content=a_document().model_dump_json())

    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == "Bearer"
    assert "Authorization: Bearer" in answer.json()["detail"]
    assert stored_runs(database_url) == 0


def test_a_revoked_token_can_no_longer_post(client, write_token, database_url):
    engine = make_engine(database_url)
    with transaction(engine) as session:
        revoke_tokens(session, "ci")
    engine.dispose()

    answer = client.post("/api/v1/runs", content=a_document().model_dump_json(), headers=bearer(write_token))

    assert answer.status_code == 401
    assert answer.json()["detail"] == "the token is unknown or revoked"


def test_a_read_only_token_cannot_post(client, read_token):
    answer = client.post("/api/v1/runs", content=a_document().model_dump_json(), headers=bearer(read_token))

    assert answer.status_code == 403
    assert "scope read" in answer.json()["detail"]


def test_a_malformed_document_is_refused_with_422_naming_the_field(client, write_token, database_url):
    document = json.loads(a_document().model_dump_json())
    document["results"][0]["summary"]["median"] = -3

    answer = client.post("/api/v1/runs", json=document, headers=bearer(write_token))

    assert answer.status_code == 422
    assert answer.json()["message"] == "results.0.summary.median: Input should be greater than 0"
    assert stored_runs(database_url) == 0


def test_a_document_without_run_id_is_refused_because_it_could_not_be_retried_safely(client, write_token):
    document = json.loads(a_document().model_dump_json())
    del document["run_id"]

    answer = client.post("/api/v1/runs", json=document, headers=bearer(write_token))

    assert answer.status_code == 422
    assert answer.json()["message"].startswith("run_id: Field required")


def test_an_oversized_body_is_refused_with_413_and_nothing_is_stored(settings, database_url, write_token):
    from fastapi.testclient import TestClient

    from benchsvc.api import create_app

    small = settings.model_copy(update={"api_max_body_bytes": 2048})
    document = a_document(a_result(samples=[80.0 + i / 100 for i in range(500)]))
    with TestClient(create_app(small)) as client:
        answer = client.post("/api/v1/runs", content=document.model_dump_json(), headers=bearer(write_token))

    assert answer.status_code == 413
    assert "limit is 2048 bytes" in answer.json()["detail"]
    assert stored_runs(database_url) == 0


def test_a_run_whose_second_result_is_invalid_stores_nothing_at_all(client, write_token, database_url):
    document = json.loads(a_document(a_result("jit"), a_result("tvm")).model_dump_json())
    document["results"][1]["threads"] = 0

    answer = client.post("/api/v1/runs", json=document, headers=bearer(write_token))

    assert answer.status_code == 422
    assert answer.json()["message"].startswith("results.1.threads:")
    assert stored_runs(database_url) == 0


def test_an_admin_token_may_post_too(client, database_url):
    admin = issue_token(database_url, "ops", Scope.ADMIN)

    answer = client.post("/api/v1/runs", json=a_document().model_dump(mode="json"), headers=bearer(admin))

    assert answer.status_code == 201



def test_a_body_sent_without_any_content_type_is_read_as_json(client, write_token):
    answer = client.post("/api/v1/runs", content=a_document().model_dump_json(), headers=bearer(write_token))

    assert answer.status_code == 201
