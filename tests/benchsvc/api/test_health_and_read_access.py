from fastapi.testclient import TestClient

from benchsvc.api import create_app
from benchsvc.config import Settings
from benchsvc.storage.database import head_revision
from tests.benchsvc.api.conftest import bearer


def test_health_is_ok_when_the_database_is_migrated(client):
    answer = client.get("/health")

    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "database": "ok", "revision": head_revision(), "detail": None}


def test_health_is_503_with_the_fix_when_the_schema_is_missing(empty_database_url, isolated_data_dir):
    with TestClient(create_app(Settings(database_url=empty_database_url, data_dir=isolated_data_dir))) as client:
        answer = client.get("/health")

    assert answer.status_code == 503
    assert answer.json()["database"] == "outdated schema"
    assert "benchsvc db upgrade" in answer.json()["detail"]


def test_health_is_503_when_the_database_cannot_be_reached(isolated_data_dir):
    unreachable = Settings(database_url="postgresql://postgres@127.0.0.1:1/none", data_dir=isolated_data_dir)
    with TestClient(create_app(unreachable)) as client:
        answer = client.get("/health")

    assert answer.status_code == 503
    assert answer.json()["database"] == "unreachable"


def test_reads_are_open_by_default(client):
    assert client.get("/api/v1/machines").status_code == 200


def test_a_setting_makes_reads_need_a_token(settings, read_token):
    closed = settings.model_copy(update={"api_require_read_token": True})
    with TestClient(create_app(closed)) as client:
        anonymous = client.get("/api/v1/machines")
        with_token = client.get("/api/v1/machines", headers=bearer(read_token))
        probe = client.get("/health")

    assert anonymous.status_code == 401
    assert with_token.status_code == 200
    assert probe.status_code == 200


def test_when_reads_need_a_token_the_dashboard_pages_do_too(settings, read_token):
    closed = settings.model_copy(update={"api_require_read_token": True})
    with TestClient(create_app(closed)) as client:
        anonymous = client.get("/")
        with_cookie = client.get("/", cookies={"benchsvc_token": read_token})

    assert anonymous.status_code == 401
    assert with_cookie.status_code == 200
