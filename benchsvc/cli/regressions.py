"""Regressions from the command line: list them, and give one a state (against the server's database)."""

from __future__ import annotations

import getpass
import json
from typing import Annotated

import typer
from rich.table import Table

from benchsvc.cli.common import DatabaseUrlOption, fail, migrated_engine, nothing_stored_message, stdout, stored_engine
from benchsvc.states import RegressionState

app = typer.Typer(help="Regressions found by detection: list them and triage them.", no_args_is_help=True)


@app.command("list")
def list_command(
    open_only: Annotated[bool, typer.Option("--open", help="Only new and acknowledged ones.")] = False,
    state: Annotated[RegressionState | None, typer.Option(help="Only this state.")] = None,
    model: Annotated[str | None, typer.Option()] = None,
    backend: Annotated[str | None, typer.Option()] = None,
    machine: Annotated[str | None, typer.Option(help="Hostname or machine fingerprint.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many, newest first.")] = 100,
    json_output: Annotated[bool, typer.Option("--json", help="Print them as JSON, with their history.")] = False,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Print the regressions, newest first."""
    engine = stored_engine(database_url)
    if engine is None:
        stdout.print(nothing_stored_message(database_url), highlight=False)
        return
    from benchsvc.storage import transaction
    from benchsvc.storage.regressions import RegressionFilter, list_regressions

    regression_filter = RegressionFilter(
        state=state, open=True if open_only else None,
        model=model, backend=backend, machine=machine,
    )
    with transaction(engine) as session:
        found = list_regressions(session, regression_filter, limit=limit)
    if json_output:
        print(json.dumps([regression.model_dump(mode="json") for regression in found], indent=2))
        return
    if not found:
        stdout.print("no regressions" + (" open" if open_only else ""))
        return
    table = Table(title="regressions (confidence: 1 - q over the series tested that night)")
    for column in ("id", "state", "change", "model", "backend", "threads", "machine", "began (UTC)", "commit",
                   "confidence"):
        table.add_column(column)
    for r in found:
        table.add_row(
            str(r.id), r.state.value, f"{r.change_percent:+.1f}%", r.model, r.backend, str(r.threads), r.hostname,
            r.started_at.strftime("%Y-%m-%d %H:%M"), (r.commit or "-")[:10], f"{r.confidence:.3f}",
        )
    stdout.print(table)


@app.command("set")
def set_command(
    regression_id: Annotated[int, typer.Argument(metavar="ID", help="The regression's id (see `regressions list`).")],
    state: Annotated[RegressionState, typer.Argument(metavar="STATE", help="The new state.")],
    comment: Annotated[str | None, typer.Option(help="Why, kept in the regression's history.")] = None,
    by: Annotated[str | None, typer.Option(help="Who decided; default: your user name.")] = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Give a regression a state; who, when and the comment go into its history."""
    from benchsvc.storage import transaction
    from benchsvc.storage.regressions import set_state

    actor = by or getpass.getuser()
    with transaction(migrated_engine(database_url)) as session:
        updated = set_state(session, regression_id, state, actor=actor, comment=comment)
    if updated is None:
        fail(f"no regression {regression_id}; see `benchsvc regressions list`", code=2)
    stdout.print(f"regression {updated.id} ({updated.model} {updated.backend} {updated.threads}t on "
                 f"{updated.hostname}) is now {updated.state.value}", highlight=False)

