"""`benchsvc agent`: the nightly suite on a benchmark host, posted to a central server."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from benchsvc.cli import schedule
from benchsvc.cli.common import fail, stderr
from benchsvc.cli.post import TokenOption, UrlOption, server_and_token

if TYPE_CHECKING:
    from apscheduler.schedulers.base import BaseScheduler

RETRY_MINUTES = 10


def agent(
    url: UrlOption = None,
    token: TokenOption = None,
    now: schedule.NowOption = False,
    flush: Annotated[bool, typer.Option("--flush", help="Only post the runs waiting in the outbox, then exit.")] = False,
) -> None:
    """Measure the suite every night and post each run to the server; keep runs in an outbox while it is down."""
    from benchsvc.agent import deliver_outbox
    from benchsvc.config import get_settings
    from benchsvc.scheduling import PostToServer
    from benchsvc.storage import DatabaseError, upgrade

    server, secret = server_and_token(url, token)
    settings = get_settings()
    outbox = settings.outbox_dir
    waiting = deliver_outbox(outbox, server, secret)
    for error in waiting.errors:
        stderr.print(f"outbox: {error}", highlight=False)
    stderr.print(
        f"outbox: {len(waiting.delivered)} delivered, {len(waiting.waiting)} waiting in {outbox}", highlight=False
    )
    if flush:
        if waiting.waiting:
            raise typer.Exit(1)
        return
    # The agent has no database of its own; a local SQLite file keeps its job store.
    jobstore_url = f"sqlite:///{settings.data_dir / 'agent.sqlite3'}"
    try:
        upgrade(jobstore_url)
    except DatabaseError as exc:
        fail(str(exc))

    def retry_outbox(scheduler: BaseScheduler) -> None:
        # Runs kept while the server was down go out within minutes of it coming back.
        scheduler.add_job(
            "benchsvc.agent:deliver_outbox", "interval", minutes=RETRY_MINUTES, id="deliver-outbox",
            kwargs={"outbox": outbox, "server_url": server, "token": secret}, replace_existing=True,
        )

    schedule.run(
        PostToServer(server, secret, outbox), jobstore_url=jobstore_url, now=now, shown_as=server, also=retry_outbox
    )
