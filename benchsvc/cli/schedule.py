"""`benchsvc schedule`: the nightly suite on this machine, stored in the database."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer

from benchsvc.cli.common import DatabaseUrlOption, fail, resolve_database_url, stderr

if TYPE_CHECKING:
    from apscheduler.schedulers.base import BaseScheduler

    from benchsvc.scheduling.nightly import Destination, Night

NowOption = Annotated[bool, typer.Option("--now", help="Run the suite once, now, and exit.")]


def schedule(now: NowOption = False, database_url: DatabaseUrlOption = None) -> None:
    """Run the benchmark suite every night, when the BENCHSVC_SCHEDULE_CRON setting says."""
    from benchsvc.scheduling import StoreInDatabase
    from benchsvc.storage import DatabaseError, upgrade
    from benchsvc.storage.database import safe_url

    url = resolve_database_url(database_url)
    try:
        upgrade(url)
    except DatabaseError as exc:
        fail(str(exc))
    run(StoreInDatabase(url), jobstore_url=url, now=now, shown_as=safe_url(url))


def run(
    destination: Destination,
    *,
    jobstore_url: str,
    now: bool,
    shown_as: str,
    also: Callable[[BaseScheduler], None] = lambda _: None,
) -> None:
    """What `schedule` and `agent` share: check the suite, then run it once or on the schedule."""
    from apscheduler.schedulers.background import BackgroundScheduler

    from benchsvc.config import get_settings
    from benchsvc.scheduling import build_scheduler, register_nightly
    from benchsvc.scheduling.nightly import measure_and_deliver
    from benchsvc.scheduling.scheduler import NIGHTLY_JOB_ID, ScheduleError
    from benchsvc.scheduling.suite import SuiteError, load_suite
    from benchsvc.storage import make_engine

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    settings = get_settings()
    try:
        suite = load_suite(settings.effective_suite_file)
    except SuiteError as exc:
        fail(str(exc), code=2)
    stderr.print(
        f"suite: {len(suite.measurements())} measurements ({', '.join(suite.models)} x "
        f"{', '.join(suite.backends)} x threads {suite.thread_counts()}), results go to {shown_as}",
        highlight=False,
    )
    if now:
        print_night(measure_and_deliver(destination, trigger="manual"), shown_as)
        return
    scheduler = build_scheduler(BackgroundScheduler, make_engine(jobstore_url), settings)
    scheduler.start(paused=True)
    try:
        register_nightly(scheduler, destination, settings)
        also(scheduler)
    except ScheduleError as exc:
        scheduler.shutdown(wait=False)
        fail(str(exc), code=2)
    stderr.print(f"next run: {scheduler.get_job(NIGHTLY_JOB_ID).next_run_time:%Y-%m-%d %H:%M %Z}", highlight=False)
    scheduler.resume()
    wait_for_signal()
    stderr.print("stopping: waiting for a running measurement to finish")
    scheduler.shutdown(wait=True)


def wait_for_signal() -> None:
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    stop.wait()


def print_night(night: Night | None, shown_as: str) -> None:
    if night is None:
        fail("another suite is running on this machine; not starting a second one")
    document = night.document
    failures = [result for result in document.results if result.error]
    stderr.print(
        f"run {document.run_id}: {len(document.results)} results, {len(failures)} failed", highlight=False
    )
    if not night.delivered:
        fail(f"run {document.run_id} was not delivered to {shown_as}; it is kept and sent later")
