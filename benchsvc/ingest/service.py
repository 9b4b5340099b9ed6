"""Ingest: a run document in, stored once with its analysis queued, in one transaction."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from benchsvc.config import Settings, get_settings
from benchsvc.domain import RunDocument
from benchsvc.ingest.worker import drain
from benchsvc.spool import spool
from benchsvc.storage import DatabaseError, make_engine, transaction, upgrade
from benchsvc.storage.database import unreachable_message
from benchsvc.storage.jobs import JobKind, enqueue
from benchsvc.storage.repository import SaveOutcome, find_run_pk, save_run

log = logging.getLogger(__name__)

IngestOutcome = SaveOutcome


class IncompleteRun(ValueError):
    """A document that validates as a run document but cannot be stored: a summary without its samples."""

    def __init__(self, problems: list[tuple[tuple[str | int, ...], str]]) -> None:
        super().__init__("; ".join(f"{'.'.join(map(str, where))}: {message}" for where, message in problems))
        self.problems = problems


def missing_samples(document: RunDocument) -> list[tuple[tuple[str | int, ...], str]]:
    return [
        (("results", index, "samples"), "a summary needs the samples it summarises; send the raw samples")
        for index, result in enumerate(document.results)
        if result.summary is not None and not result.samples
    ]


def ingest(engine: Engine, document: RunDocument) -> IngestOutcome:
    """Store the run and queue its detection together; a run_id already stored changes nothing.

    The document is a validated RunDocument: every constraint of the run document (finite
    rates, integers the columns hold, printable names, a summary that follows from its
    samples) holds before anything is written, and every summary comes with its samples.
    """
    problems = missing_samples(document)
    if problems:
        raise IncompleteRun(problems)
    try:
        with transaction(engine) as session:
            outcome = save_run(session, document)
            if outcome.created:
                enqueue(session, JobKind.DETECT, outcome.run_pk)
            return outcome
    except IntegrityError:
        # Another request stored the same run_id between our check and our commit.
        with transaction(engine) as session:
            run_pk = find_run_pk(session, document.run_id)
        if run_pk is None:
            raise
        return SaveOutcome(document.run_id, created=False, run_pk=run_pk)
    except SQLAlchemyError as exc:
        raise DatabaseError(unreachable_message(str(engine.url), exc)) from exc


def store(url: str, document: RunDocument, settings: Settings | None = None) -> IngestOutcome:
    """Where no server runs: migrate if needed, ingest, then do the run's analysis inline."""
    settings = settings or get_settings()
    upgrade(url)
    engine = make_engine(url)
    try:
        outcome = ingest(engine, document)
        try:
            drain(engine, settings, run_pk=outcome.run_pk)
        except SQLAlchemyError as exc:
            # The run is stored and its analysis queued; a server's worker or the next run does it.
            log.warning("analysis of run %s postponed: %s", document.run_id, unreachable_message(url, exc))
        return outcome
    finally:
        engine.dispose()


@dataclass(frozen=True)
class Stored:
    outcome: IngestOutcome


@dataclass(frozen=True)
class Spooled:
    path: Path
    reason: str


def store_or_spool(url: str, document: RunDocument, spool_dir: Path) -> Stored | Spooled:
    """Store the run; when the database cannot take it, keep it on disk so nothing measured is lost."""
    try:
        return Stored(store(url, document))
    except DatabaseError as exc:
        return Spooled(spool(document, spool_dir), str(exc))
