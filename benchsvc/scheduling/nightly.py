"""One night: measure the whole suite, then hand the run to where it belongs."""

from __future__ import annotations

import fcntl
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from benchsvc.agent import OutboxDelivery, send
from benchsvc.config import get_settings
from benchsvc.domain import Result, RunDocument
from benchsvc.runner import build_document
from benchsvc.ingest import Spooled, Stored, store_or_spool
from benchsvc.scheduling.isolation import measure_in_child
from benchsvc.scheduling.suite import Measurement, Suite, grouped, load_suite

log = logging.getLogger("benchsvc.scheduler")


class SuiteAlreadyRunning(RuntimeError):
    """Another process is running the suite now; runs never overlap."""


@dataclass(frozen=True)
class StoreInDatabase:
    database_url: str

    def deliver(self, document: RunDocument) -> Stored | Spooled:
        return store_or_spool(self.database_url, document, get_settings().spool_dir)


@dataclass(frozen=True)
class PostToServer:
    server_url: str
    token: str
    outbox: Path

    def deliver(self, document: RunDocument) -> OutboxDelivery:
        return send(document, self.outbox, self.server_url, self.token)


# Where a measured run goes: this machine's database, or a server (through the outbox).
Destination = StoreInDatabase | PostToServer


def run_suite(
    suite: Suite, *, trigger: str, on_result: Callable[[Measurement, Result], None] = lambda *_: None
) -> RunDocument:
    """Every measurement of the suite, one child process per model (all its backends and thread
    counts); failures are results too."""
    results = []
    for group in grouped(suite.measurements()):
        for measurement, result in zip(group.measurements, measure_in_child(group), strict=True):
            on_result(measurement, result)
            results.append(result)
    return build_document(results, tags={**suite.tags, "trigger": trigger})


@contextmanager
def exclusive(lock_file: Path) -> Iterator[None]:
    """One suite at a time on a machine, across processes: measurements must not share the CPU."""
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with lock_file.open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise SuiteAlreadyRunning(f"another suite holds {lock_file}; not starting a second one") from exc
        yield


def log_result(measurement: Measurement, result: Result) -> None:
    speed = f"{result.summary.median:.2f} it/s" if result.summary else result.error
    log.info("%s %s %d thread(s): %s %s", measurement.model, measurement.backend, measurement.threads, result.status, speed)


@dataclass(frozen=True)
class Night:
    document: RunDocument
    # Stored in the database, or taken by the server; False when it waits in a spool or outbox.
    delivered: bool


def measure_and_deliver(destination: Destination, trigger: str = "nightly") -> Night | None:
    """Read the suite file now (so edits apply next night), measure, deliver; None when another suite runs."""
    settings = get_settings()
    try:
        with exclusive(settings.data_dir / "suite.lock"):
            suite = load_suite(settings.effective_suite_file)
            log.info("suite of %d measurements starting", len(suite.measurements()))
            document = run_suite(suite, trigger=trigger, on_result=log_result)
    except SuiteAlreadyRunning as exc:
        log.warning("%s", exc)
        return None
    outcome = destination.deliver(document)
    if isinstance(outcome, Spooled):
        log.error("%s; the run is kept in %s", outcome.reason, outcome.path)
        return Night(document, delivered=False)
    if isinstance(outcome, Stored):
        log.info("run %s measured and stored", document.run_id)
        return Night(document, delivered=True)
    for error in outcome.errors:
        log.warning("outbox: %s", error)
    log.info("run %s measured; %d run(s) delivered, %d waiting, %d rejected", document.run_id,
             len(outcome.delivered), len(outcome.waiting), len(outcome.rejected))
    return Night(document, delivered=outcome.took(document))


def nightly_job(destination: Destination, trigger: str = "nightly") -> RunDocument | None:
    """The scheduled job."""
    night = measure_and_deliver(destination, trigger)
    return night.document if night else None
