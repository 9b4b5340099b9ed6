"""Shared fixtures: real databases, SQLite and PostgreSQL, migrated fresh for each test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from benchsvc.storage import upgrade
from tests.support.postgres import fresh_postgres_database

# Real processes (`benchsvc serve`, the console script) for the tests of every package.
pytest_plugins = ("tests.support.servers",)

POSTGRES_ADMIN_URL = os.environ.get(
    "BENCHSVC_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@pytest.fixture(autouse=True, scope="session")
def session_executable_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """TVM executables persist only within this test session, never in the user's cache."""
    from torch_tvm_core.settings import CACHE_DIR_ENV

    directory = tmp_path_factory.mktemp("tvm-executables")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(CACHE_DIR_ENV, str(directory))
        yield directory


@pytest.fixture(autouse=True)
def isolated_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test touches the user's real database or spool."""
    from benchsvc.config import get_settings

    data_dir = tmp_path / "benchsvc-data"
    monkeypatch.setenv("BENCHSVC_DATA_DIR", str(data_dir))
    monkeypatch.delenv("BENCHSVC_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield data_dir
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    engine = create_engine(POSTGRES_ADMIN_URL, connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as connection:
            connection.execute(text("select 1"))
    except OperationalError as exc:
        pytest.fail(
            f"PostgreSQL is needed at {make_url(POSTGRES_ADMIN_URL).render_as_string(hide_password=True)} "
            f"and cannot be reached ({exc.orig}); run scripts/ensure-postgres or set "
            "BENCHSVC_TEST_POSTGRES_URL",
            pytrace=False,
        )
    finally:
        engine.dispose()
    return POSTGRES_ADMIN_URL


@pytest.fixture
def empty_postgres_url(postgres_admin_url: str) -> Iterator[str]:
    """A brand-new PostgreSQL database, dropped after the test."""
    with fresh_postgres_database(postgres_admin_url) as url:
        yield url


@pytest.fixture
def empty_sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'bench.sqlite3'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_database_url(request: pytest.FixtureRequest) -> str:
    """Each test using this runs twice: on SQLite and on a real PostgreSQL."""
    fixture = "empty_sqlite_url" if request.param == "sqlite" else "empty_postgres_url"
    return request.getfixturevalue(fixture)


@pytest.fixture
def database_url(empty_database_url: str) -> str:
    """An empty database with every migration applied."""
    upgrade(empty_database_url)
    return empty_database_url
