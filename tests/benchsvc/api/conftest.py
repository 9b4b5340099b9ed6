"""The real app over a real, migrated database (SQLite and PostgreSQL), with real tokens."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from benchsvc.api import create_app
from benchsvc.config import Settings
from benchsvc.domain import RunDocument
from benchsvc.storage import make_engine, transaction
from benchsvc.storage.tokens import Scope, create_token


def issue_token(database_url: str, name: str, scope: Scope) -> str:
    engine = make_engine(database_url)
    try:
        with transaction(engine) as session:
            return create_token(session, name, scope).secret
    finally:
        engine.dispose()


@pytest.fixture
def settings(database_url: str, isolated_data_dir) -> Settings:
    return Settings(database_url=database_url, data_dir=isolated_data_dir)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def write_token(database_url: str) -> str:
    return issue_token(database_url, "ci", Scope.WRITE)


@pytest.fixture
def read_token(database_url: str) -> str:
    return issue_token(database_url, "viewer", Scope.READ)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def as_json(document: RunDocument) -> str:
    return document.model_dump_json()


@pytest.fixture
def post(client: TestClient, write_token: str):
    """Posts run documents the way CI does: JSON body, write token."""

    def post_document(document: RunDocument):
        return client.post(
            "/api/v1/runs",
            content=as_json(document),
            headers={**bearer(write_token), "Content-Type": "application/json"},
        )

    return post_document
