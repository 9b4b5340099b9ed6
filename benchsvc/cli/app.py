"""The `benchsvc` command: one Typer app, one module per command or group."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

import benchsvc
from benchsvc.cli import agent, db, history, post, regressions, report, run, schedule, serve, token, tune

app = typer.Typer(
    name="benchsvc",
    help="Continuous CPU inference benchmarking of the ResNet family: TorchScript vs TVM.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def print_version(requested: bool) -> None:
    if requested:
        print(f"benchsvc {benchsvc.__version__}")
        raise typer.Exit()


@app.callback()
def options(
    version: Annotated[
        bool, typer.Option("--version", callback=print_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Options that come before the command."""


app.command("run")(run.run)
app.command("history")(history.history)
app.command("report")(report.report)
app.add_typer(db.app, name="db")
app.command("serve")(serve.serve)
app.add_typer(token.app, name="token")
app.command("post")(post.post)
app.command("schedule")(schedule.schedule)
app.command("agent")(agent.agent)
app.command("tune")(tune.tune)
app.add_typer(regressions.app, name="regressions")


def main() -> None:
    try:
        app(prog_name="benchsvc")
    except Exception as exc:
        # pydantic is loaded only by commands that read settings: --help stays fast.
        pydantic_core = sys.modules.get("pydantic_core")
        if pydantic_core is None or not isinstance(exc, pydantic_core.ValidationError) or exc.title != "Settings":
            raise
        # A BENCHSVC_* variable that does not parse (e.g. BENCHSVC_API_PORT=99999): one line, not a traceback.
        first = exc.errors()[0]
        setting = "BENCHSVC_" + "_".join(str(part) for part in first["loc"]).upper()
        print(f"error: {setting}: {first['msg']}", file=sys.stderr)
        raise SystemExit(2) from None
