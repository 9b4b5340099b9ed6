from __future__ import annotations

import typer

from benchsvc.cli.common import DatabaseUrlOption, fail, resolve_database_url, stdout

app = typer.Typer(help="Database schema migrations.", no_args_is_help=True)


@app.command("upgrade")
def upgrade_command(database_url: DatabaseUrlOption = None, revision: str = "head") -> None:
    """Apply pending migrations."""
    from alembic.util import CommandError

    from benchsvc.storage import DatabaseError, upgrade
    from benchsvc.storage.database import head_revision, safe_url

    url = resolve_database_url(database_url)
    try:
        upgrade(url, revision)
    except DatabaseError as exc:
        fail(str(exc))
    except CommandError as exc:
        fail(f"--revision: {exc}", code=2)
    stdout.print(f"database {safe_url(url)} is at revision {head_revision() if revision == 'head' else revision}")


@app.command("current")
def current_command(database_url: DatabaseUrlOption = None) -> None:
    """Show the applied revision and whether migrations are pending."""
    from benchsvc.storage import DatabaseError, make_engine
    from benchsvc.storage.database import current_revision, head_revision, safe_url

    url = resolve_database_url(database_url)
    try:
        revision = current_revision(make_engine(url))
    except DatabaseError as exc:
        fail(str(exc))
    head = head_revision()
    state = "up to date" if revision == head else f"pending migrations up to {head}"
    stdout.print(f"{safe_url(url)}: revision {revision or 'none'} ({state})")
