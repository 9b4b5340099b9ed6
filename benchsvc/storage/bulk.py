"""Many runs stored in a few statements: imports, backfills and fills of test databases."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from benchsvc.domain import RunDocument
from benchsvc.storage.repository import result_values, run_values, upsert_machine
from benchsvc.storage.result_rows import insert_results
from benchsvc.storage.tables import RunRow


def save_runs(session: Session, documents: Sequence[RunDocument]) -> int:
    """Store runs that are new, with all their results; runs already stored are left as they are.

    Runs go in by one INSERT, their results together (result_rows.insert_results), so a
    million results take minutes rather than hours. Returns how many results were stored.
    """
    run_ids = [str(document.run_id) for document in documents]
    stored = set(session.scalars(select(RunRow.run_id).where(RunRow.run_id.in_(run_ids))))
    fresh = [document for document in dict((str(d.run_id), d) for d in documents).values()
             if str(document.run_id) not in stored]
    if not fresh:
        return 0
    machine_ids: dict[str, int] = {}
    for document in fresh:
        fingerprint = document.machine.fingerprint
        if fingerprint not in machine_ids:
            machine = upsert_machine(session, document.machine)
            session.flush()
            machine_ids[fingerprint] = machine.id
    run_pks = session.scalars(
        insert(RunRow).returning(RunRow.id, sort_by_parameter_order=True),
        [run_values(document, machine_ids[document.machine.fingerprint]) for document in fresh],
    ).all()
    rows = [
        {**result_values(result, document, machine_ids[document.machine.fingerprint]), "run_pk": run_pk}
        for document, run_pk in zip(fresh, run_pks, strict=True)
        for result in document.results
    ]
    insert_results(session, rows)
    return len(rows)
