"""The software each run measured with, for hovers that say which versions a point had."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from benchsvc.domain import Software
from benchsvc.storage.tables import RunRow

# Keeps the IN (...) list within every database's parameter limit.
CHUNK = 500


def software_by_run(session: Session, run_ids: Collection[str]) -> dict[str, Software]:
    ids = sorted(run_ids)
    found: dict[str, Software] = {}
    for start in range(0, len(ids), CHUNK):
        statement = select(
            RunRow.run_id, RunRow.python_version, RunRow.torch_version, RunRow.torchvision_version,
            RunRow.tvm_version, RunRow.benchsvc_version,
        ).where(RunRow.run_id.in_(ids[start : start + CHUNK]))
        for run_id, python, torch, torchvision, tvm, benchsvc in session.execute(statement):
            found[run_id] = Software(python=python, torch=torch, torchvision=torchvision, tvm=tvm, benchsvc=benchsvc)
    return found
