"""The API against its own OpenAPI document, fuzzed: no server error, no undocumented status,
no answer that breaks its schema, with a token and without one, on SQLite and on PostgreSQL.

Examples are bounded and the generation is derandomized (a fixed seed), so a run takes a
minute or two and a failure repeats.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from benchsvc.api import create_app
from benchsvc.config import Settings
from benchsvc.ingest import store
from benchsvc.storage import make_engine, transaction, upgrade
from benchsvc.storage.database import make_probe_engine
from benchsvc.storage.tokens import Scope, create_token
from tests.support.documents import a_document, a_result
from tests.support.postgres import fresh_postgres_database

CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance, content_type_conformance]
EXAMPLES_PER_OPERATION = 8


@pytest.fixture(scope="module")
def fuzzed_postgres_url(postgres_admin_url: str) -> Iterator[str]:
    with fresh_postgres_database(postgres_admin_url, prefix="benchsvc_fuzz") as url:
        yield url


def with_a_few_runs(url: str) -> str:
    """Migrated, with runs in it, so that reads answer with real content."""
    upgrade(url)
    for night in range(3):
        store(url, a_document(a_result("jit"), a_result("tvm", samples=[90.0 + night, 91.0, 92.0])), Settings())
    return url


@pytest.fixture(scope="module")
def fuzzed_sqlite(tmp_path_factory: pytest.TempPathFactory) -> str:
    return with_a_few_runs(f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'bench.sqlite3'}")


@pytest.fixture(scope="module")
def fuzzed_postgres(fuzzed_postgres_url: str) -> str:
    return with_a_few_runs(fuzzed_postgres_url)


@pytest.fixture(
    params=[
        ("sqlite", False), ("sqlite", True),
        pytest.param(("postgres", False), marks=pytest.mark.postgres),
        pytest.param(("postgres", True), marks=pytest.mark.postgres),
    ],
    ids=["sqlite-without-token", "sqlite-admin-token", "postgres-without-token", "postgres-admin-token"],
)
def fuzz_target(request: pytest.FixtureRequest) -> tuple[str, dict[str, str]]:
    """A database and the headers every request carries: none, or an admin token's."""
    database, with_token = request.param
    url = request.getfixturevalue(f"fuzzed_{database}")
    if not with_token:
        return url, {}
    engine = make_engine(url)
    with transaction(engine) as session:
        secret = create_token(session, f"fuzz-{uuid.uuid4().hex[:8]}", Scope.ADMIN).secret
    engine.dispose()
    return url, {"Authorization": f"Bearer {secret}"}


# The OpenAPI document does not depend on the database; each test points the app at its own.
APP = create_app(Settings(database_url="sqlite://", data_dir=Path("/nonexistent/benchsvc-fuzz")))
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.fixture
def headers(fuzz_target: tuple[str, dict[str, str]], tmp_path: Path) -> Iterator[dict[str, str]]:
    url, headers = fuzz_target
    engine, probe = make_engine(url), make_probe_engine(url)
    APP.state.engine, APP.state.probe_engine = engine, probe
    APP.state.settings = Settings(database_url=url, data_dir=tmp_path)
    yield headers
    engine.dispose()
    probe.dispose()


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION, derandomize=True, deadline=None, database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_answer_is_documented_and_no_input_causes_a_server_error(case, headers):
    case.call_and_validate(headers={**(case.headers or {}), **headers}, checks=CHECKS)
