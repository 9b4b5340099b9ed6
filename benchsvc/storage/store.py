from __future__ import annotations

from sqlalchemy.exc import SQLAlchemyError

from benchsvc.domain import RunDocument
from benchsvc.storage.database import DatabaseError, make_engine, transaction, unreachable_message, upgrade
from benchsvc.storage.repository import SaveOutcome, save_run
from benchsvc.webhook import watch_run


def store(url: str, document: RunDocument) -> SaveOutcome:
    """Migrate the database if needed, then save the run in one transaction."""
    upgrade(url)
    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            outcome = save_run(session, document)
            watch_run(session, document)
            return outcome
    except SQLAlchemyError as exc:
        raise DatabaseError(unreachable_message(url, exc)) from exc
    finally:
        engine.dispose()
