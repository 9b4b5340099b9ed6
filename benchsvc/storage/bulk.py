"""Many runs stored in a few statements: imports, backfills and fills of test databases."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import JSON, Table, insert, select
from sqlalchemy.orm import Session

from benchsvc.domain import RunDocument
from benchsvc.storage.repository import result_values, run_values, upsert_machine
from benchsvc.storage.tables import ResultRow, RunRow


def save_runs(session: Session, documents: Sequence[RunDocument]) -> int:
    """Store runs that are new, with all their results; runs already stored are left as they are.

    Results go in by COPY on PostgreSQL and as multi-row INSERTs elsewhere, never one statement
    per row, so a million results take minutes rather than hours. Returns how many results were stored.
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
    if session.get_bind().dialect.name == "postgresql":
        copy_rows(session, ResultRow.__table__, rows)
    else:
        session.execute(insert(ResultRow), rows)
    return len(rows)


def copy_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """PostgreSQL's COPY: several times faster than multi-row INSERTs for large batches."""
    columns = list(rows[0])
    as_json = {column.name for column in table.columns if isinstance(column.type, JSON)}
    driver = session.connection().connection.driver_connection
    statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    with driver.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
        for row in rows:
            copy.write_row([
                json.dumps(row[name]) if name in as_json and row[name] is not None else row[name]
                for name in columns
            ])
