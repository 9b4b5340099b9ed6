"""The analysis worker: takes queued jobs one at a time, each in the transaction that records it done.

In the server a worker thread runs for each process; several processes (uvicorn workers,
replicas) share the queue without taking a job twice. The CLI drains its own run's jobs
inline after storing it.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session

from benchsvc.analysis import DEFAULT_SETTINGS, DetectionSettings
from benchsvc.config import Settings
from benchsvc.detect import detect_regressions
from benchsvc.states import RegressionState
from benchsvc.storage import transaction
from benchsvc.storage.jobs import Job, JobKind, claim_next, enqueue, finish, postpone
from benchsvc.storage.regressions import get_regression
from benchsvc.storage.repository import run_id_of
from benchsvc.webhook import post_regressions

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
FIRST_RETRY_SECONDS = 5.0
LAST_RETRY_SECONDS = 3600.0
IDLE_POLL_SECONDS = 1.0
# After the database failed: wait this long before trying again, so an outage is not a busy loop.
DATABASE_RETRY_SECONDS = 2.0
WORKER_NICENESS = 10
GIL_SWITCH_SECONDS = 0.0005


def detection_settings(settings: Settings) -> DetectionSettings:
    chosen = {"alpha": settings.regression_alpha, "min_change": settings.regression_min_change}
    return replace(DEFAULT_SETTINGS, **{name: value for name, value in chosen.items() if value is not None})


def perform(session: Session, job: Job, settings: Settings) -> None:
    if job.kind is JobKind.DETECT:
        changed = detect_regressions(session, run_id_of(session, job.run_pk), detection_settings(settings))
        found = [regression for regression in changed if regression.state is RegressionState.NEW]
        if found and settings.webhook_url:
            # In the same transaction: the regressions and the promise to announce them commit together.
            enqueue(session, JobKind.NOTIFY, job.run_pk, {"regression_ids": [r.id for r in found]})
    elif job.kind is JobKind.NOTIFY and settings.webhook_url:
        ids = (job.payload or {}).get("regression_ids", [])
        regressions = [found for found in (get_regression(session, i) for i in ids) if found is not None]
        if regressions:
            post_regressions(settings.webhook_url, regressions)


def retry_delay(attempts: int) -> timedelta:
    return timedelta(seconds=min(FIRST_RETRY_SECONDS * 2 ** (attempts - 1), LAST_RETRY_SECONDS))


def process_one(engine: Engine, settings: Settings, run_pk: int | None = None) -> bool:
    """Do the oldest due job (of one run, when given); False when there was none.

    A job that raises is rolled back whole and tried again later with backoff, until
    MAX_ATTEMPTS; a database that fails raises to the caller and leaves the job pending.
    """
    job: Job | None = None
    try:
        with transaction(engine) as session:
            job = claim_next(session, run_pk)
            if job is None:
                return False
            perform(session, job, settings)
            finish(session, job.id)
        return True
    except (OperationalError, InterfaceError):
        raise  # the database failed, not the job: rolled back, it stays pending
    except Exception as exc:  # noqa: BLE001 (any failure of a job is recorded on it, never lost)
        if job is None:
            raise
        failure = exc
    log.warning("analysis job %d (%s of run %d) failed, attempt %d: %s", job.id, job.kind, job.run_pk,
                job.attempts, failure)
    with transaction(engine) as session:
        postpone(session, job.id, f"{type(failure).__name__}: {failure}", delay=retry_delay(job.attempts),
                 give_up=job.attempts >= MAX_ATTEMPTS)
    return True


def drain(engine: Engine, settings: Settings, run_pk: int | None = None, limit: int = 1000) -> int:
    """Do due jobs until none is left (or `limit`); how many were taken."""
    done = 0
    while done < limit and process_one(engine, settings, run_pk):
        done += 1
    return done


def yield_to_requests() -> None:
    """Lower this thread's CPU priority: when the cores are busy, answering a post comes before
    analysing earlier ones (on 2 cores shared with PostgreSQL, detection running beside each
    post doubled the latency one client saw). Linux schedules each thread with its own nice
    value; elsewhere this does nothing."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), WORKER_NICENESS)
    except (AttributeError, OSError):
        pass


class AnalysisWorker:
    """A thread that works through the queue; it outlives any failure of a job or of the database."""

    def __init__(self, engine: Engine, settings: Settings, idle_poll_seconds: float = IDLE_POLL_SECONDS) -> None:
        self.engine = engine
        self.settings = settings
        self.idle_poll_seconds = idle_poll_seconds
        self.wakeup = threading.Event()
        self.stopping = threading.Event()
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        # Detection is mostly Python and holds the GIL; a request thread coming back from each
        # of its database round trips waited up to the default 5 ms switch interval for it. On
        # PostgreSQL with detection running beside the posts, one client's posts took p50 54 ms,
        # p95 114 ms with 5 ms, and p50 34 ms, p95 47 ms with 0.5 ms (2-core Intel Xeon).
        sys.setswitchinterval(GIL_SWITCH_SECONDS)
        self.thread = threading.Thread(target=self.supervise, name="benchsvc-analysis", daemon=True)
        self.thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self.stopping.set()
        self.wakeup.set()
        if self.thread is not None:
            self.thread.join(timeout)

    def wake(self) -> None:
        """New work was queued: look now instead of at the next poll."""
        self.wakeup.set()

    def supervise(self) -> None:
        yield_to_requests()
        # Restarts the loop after anything it did not expect, after a pause, for as long as the server runs.
        while not self.stopping.is_set():
            try:
                self.work()
            except Exception:  # noqa: BLE001
                log.exception("analysis worker stopped unexpectedly; restarting in %.0f s", DATABASE_RETRY_SECONDS)
                self.stopping.wait(DATABASE_RETRY_SECONDS)

    def work(self) -> None:
        while not self.stopping.is_set():
            try:
                busy = process_one(self.engine, self.settings)
            except DBAPIError as exc:
                log.warning("analysis queue unavailable, retrying in %.0f s: %s", DATABASE_RETRY_SECONDS, exc.orig)
                self.stopping.wait(DATABASE_RETRY_SECONDS)
                continue
            if not busy:
                self.wakeup.wait(self.idle_poll_seconds)
                self.wakeup.clear()
