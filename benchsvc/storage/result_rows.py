"""Result rows written in as few statements as the database allows.

A run's results are inserted together, never one statement per row: by COPY on PostgreSQL
(a multi-row INSERT of a 28-result run is a long statement that psycopg re-parses on every
execution, about 5 ms of the server's time), by one executemany INSERT elsewhere.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import JSON, Table, insert
from sqlalchemy.orm import Session

from benchsvc.storage.tables import ResultRow


def insert_results(session: Session, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    if session.get_bind().dialect.name == "postgresql":
        copy_rows(session, ResultRow.__table__, rows)
    else:
        session.execute(insert(ResultRow), rows)


def copy_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
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
