"""API tokens: created here, against the server's database; the secret is printed once."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from benchsvc.access import Scope
from benchsvc.cli.common import DatabaseUrlOption, fail, migrated_engine, stderr, stdout

app = typer.Typer(help="API tokens for posting runs (and, if required, reading them).", no_args_is_help=True)


@app.command("create")
def create_command(
    name: Annotated[str, typer.Option(help="Who uses it, e.g. ci or bench-01.")],
    scope: Annotated[Scope, typer.Option(help="read: reads only; write: post runs, change regressions; admin: also create and revoke tokens over the API.")] = Scope.WRITE,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Create a token and print it once; only its hash is stored."""
    from benchsvc.storage import transaction
    from benchsvc.storage.tokens import create_token

    engine = migrated_engine(database_url)
    try:
        with transaction(engine) as session:
            issued = create_token(session, name, scope)
    except ValueError as exc:
        fail(str(exc), code=2)
    # The secret alone on stdout, so that `TOKEN=$(benchsvc token create --name ci)` works.
    print(issued.secret)
    stderr.print(
        f"token {issued.info.id} {issued.info.name!r} (scope {issued.info.scope}) created; "
        "it is shown only now, store it as a CI secret",
        highlight=False,
    )


@app.command("list")
def list_command(database_url: DatabaseUrlOption = None) -> None:
    """Show every token: id, name, scope, prefix, when created, last used, revoked."""
    from benchsvc.storage import transaction
    from benchsvc.storage.tokens import list_tokens

    engine = migrated_engine(database_url)
    with transaction(engine) as session:
        tokens = list_tokens(session)
    if not tokens:
        stdout.print("no tokens; create one with `benchsvc token create --name NAME`")
        return
    table = Table(title="API tokens")
    for column in ("id", "name", "scope", "prefix", "created (UTC)", "last used", "state"):
        table.add_column(column)
    for token in tokens:
        table.add_row(
            str(token.id), token.name, token.scope.value, token.prefix + "...",
            token.created_at.strftime("%Y-%m-%d %H:%M"),
            token.last_used_at.strftime("%Y-%m-%d %H:%M") if token.last_used_at else "never",
            "active" if token.active else f"revoked {token.revoked_at:%Y-%m-%d}",
        )
    stdout.print(table)


@app.command("revoke")
def revoke_command(
    token: Annotated[str, typer.Argument(help="The token's id or name (revokes every active token of that name).")],
    database_url: DatabaseUrlOption = None,
) -> None:
    """Revoke a token: requests with it get 401 from now on."""
    from benchsvc.storage import transaction
    from benchsvc.storage.tokens import revoke_tokens

    engine = migrated_engine(database_url)
    with transaction(engine) as session:
        revoked = revoke_tokens(session, token)
    if not revoked:
        fail(f"no active token with id or name {token!r}; see `benchsvc token list`")
    for info in revoked:
        stdout.print(f"revoked token {info.id} {info.name!r}", highlight=False)
