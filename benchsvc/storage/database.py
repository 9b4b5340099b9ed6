"""Engines, sessions and migrations for a database URL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_PACKAGE = "benchsvc.migrations"


SUPPORTED_BACKENDS = frozenset({"sqlite", "postgresql"})
SQLITE_BUSY_SECONDS = 30.0


class DatabaseError(RuntimeError):
    """The database cannot be reached or used; the message says why for a person to act on."""


def normalize_url(url: str) -> str:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseError(f"invalid database URL {url!r}: {exc}") from exc
    if parsed.get_backend_name() not in SUPPORTED_BACKENDS:
        raise DatabaseError(
            f"unsupported database URL scheme {parsed.drivername!r}; "
            "use sqlite:///PATH or postgresql://USER@HOST/DB"
        )
    # Plain postgresql:// means psycopg2 to SQLAlchemy; we ship psycopg 3.
    if parsed.drivername in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def ensure_sqlite_directory(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def holds_nothing_yet(url: str) -> bool:
    """True for an SQLite file that does not exist: nothing was ever stored there.

    Commands that only read check this first, so that reading never creates the file.
    """
    parsed = make_url(normalize_url(url))
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return False
    return not Path(parsed.database).expanduser().exists()


def make_engine(url: str) -> Engine:
    url = normalize_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        ensure_sqlite_directory(url)
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_SECONDS})
        event.listen(engine, "connect", enable_sqlite_foreign_keys)
        event.listen(engine, "begin", begin_immediately)
        return engine
    return create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 5})


def make_probe_engine(url: str) -> Engine:
    """A small engine of its own for health probes: a busy main pool must never make a probe wait.

    At most two connections, a short wait for one, and statements cut off after a second, so a
    probe answers within its deadline even when the database itself is struggling.
    """
    url = normalize_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        return make_engine(url)
    return create_engine(
        url, pool_size=1, max_overflow=1, pool_timeout=1, pool_pre_ping=True,
        connect_args={"connect_timeout": 2, "options": "-c statement_timeout=1000"},
    )


def enable_sqlite_foreign_keys(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
    # SQLAlchemy begins transactions itself (begin_immediately), not the sqlite3 module.
    dbapi_connection.isolation_level = None  # type: ignore[attr-defined]


def begin_immediately(connection: Connection) -> None:
    # SQLite has one writer at a time. A transaction that read first and writes later fails
    # at once ("database is locked") when another writer got there between; taking the write
    # lock at BEGIN makes concurrent transactions (requests, the analysis worker) wait instead.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def migrations_directory() -> Path:
    """Alembic's scripts: the repository's migrations/ when benchsvc runs from a source checkout,
    else the copy installed inside the package.

    The checkout comes first so that code run from one checkout never migrates with the scripts
    of another checkout that happens to be installed in editable mode.
    """
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "pyproject.toml").is_file() and (checkout / "migrations" / "env.py").is_file():
        return checkout / "migrations"
    return Path(str(resources.files(MIGRATIONS_PACKAGE)))


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_directory()))
    config.set_main_option("sqlalchemy.url", normalize_url(url).replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    ensure_sqlite_directory(normalize_url(url))
    try:
        command.upgrade(alembic_config(url), revision)
    except OperationalError as exc:
        raise DatabaseError(unreachable_message(url, exc)) from exc


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def current_revision(engine: Engine) -> str | None:
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    except (OperationalError, PoolTimeout) as exc:
        raise DatabaseError(unreachable_message(str(engine.url), exc)) from exc


def is_up_to_date(engine: Engine) -> bool:
    return current_revision(engine) == head_revision()


def safe_url(url: str) -> str:
    return make_url(normalize_url(url)).render_as_string(hide_password=True)


def unreachable_message(url: str, exc: Exception) -> str:
    reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
    return f"cannot use the database at {safe_url(url)}: {reason}"


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """One unit of work: committed whole or rolled back whole."""
    with session_factory(engine)() as session, session.begin():
        yield session
