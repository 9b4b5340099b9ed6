"""What every command shares: consoles, the database option, one-line errors.

The command modules import only typer, rich and light benchsvc modules at the top, so that
`benchsvc --help` starts quickly; each command imports what it needs when it runs.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console

if TYPE_CHECKING:
    from sqlalchemy import Engine

# Tables wrap badly at the 80 columns rich assumes when output goes to a pipe or a CI log.
stdout = Console(width=None if sys.stdout.isatty() else 160)
stderr = Console(stderr=True, width=None if sys.stderr.isatty() else 160)

DatabaseUrlOption = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="SQLAlchemy URL, e.g. postgresql://user@host/db. Default: BENCHSVC_DATABASE_URL, "
        "else an SQLite file in the user data directory.",
    ),
]


def fail(message: str, code: int = 1) -> NoReturn:
    stderr.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def resolve_database_url(option: str | None) -> str:
    """The database URL to use, checked before any work: one we cannot use is exit status 2."""
    from benchsvc.config import get_settings
    from benchsvc.storage.database import DatabaseError, normalize_url

    url = option or get_settings().effective_database_url
    try:
        normalize_url(url)
    except DatabaseError as exc:
        fail(f"--database-url: {exc}", code=2)
    return url


def writable_file(path: Path, option: str) -> Path:
    """A file this command may create or replace, checked before any work (exit status 2 if not)."""
    directory = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        fail(f"{option}: {path} is a directory, not a file", code=2)
    if not directory.is_dir():
        fail(f"{option}: cannot write {path}: the directory {directory} does not exist", code=2)
    if not os.access(directory, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        fail(f"{option}: cannot write {path}: permission denied", code=2)
    return path


def http_url(url: str, option: str) -> str:
    if not url.startswith(("http://", "https://")):
        fail(f"{option}: {url!r} is not an http:// or https:// URL", code=2)
    return url


def parse_list(value: str, what: str) -> list[str]:
    items = [item.strip() for item in value.split(",") if item.strip()]
    if not items:
        fail(f"{what} must not be empty", code=2)
    return items


def parse_threads(value: str | None, default: int) -> list[int]:
    if value is None:
        return [default]
    counts = []
    for item in parse_list(value, "--threads"):
        if not item.isdigit() or int(item) < 1:
            fail(f"--threads takes positive integers separated by commas, got {item!r}", code=2)
        counts.append(int(item))
    return counts


def stored_engine(database_url: str | None) -> Engine | None:
    """For commands that only read: None when nothing was ever stored at the URL (and nothing
    is created to find that out), else an engine on a current schema as `migrated_engine` gives."""
    from benchsvc.storage import DatabaseError
    from benchsvc.storage.database import holds_nothing_yet

    try:
        if holds_nothing_yet(resolve_database_url(database_url)):
            return None
    except DatabaseError as exc:
        fail(str(exc))
    return migrated_engine(database_url)


def nothing_stored_message(database_url: str | None) -> str:
    from benchsvc.storage.database import safe_url

    return f"nothing stored yet in {safe_url(resolve_database_url(database_url))}; `benchsvc run` stores runs there"


def migrated_engine(database_url: str | None) -> Engine:
    """An engine on a database whose schema is current, or a one-line error saying what to do."""
    from benchsvc.storage import DatabaseError, make_engine
    from benchsvc.storage.database import is_up_to_date

    url = resolve_database_url(database_url)
    try:
        engine = make_engine(url)
        if not is_up_to_date(engine):
            fail("the database has no benchsvc schema or pending migrations; run `benchsvc db upgrade`")
    except DatabaseError as exc:
        fail(str(exc))
    return engine
