"""The benchmark machines that have posted runs."""

from __future__ import annotations

from fastapi import APIRouter

from benchsvc.api.deps import SessionDep
from benchsvc.api.schemas import MachineOut
from benchsvc.storage import list_machines

router = APIRouter(prefix="/machines", tags=["machines"])


@router.get("", response_model=list[MachineOut])
def get_machines(session: SessionDep) -> list[MachineOut]:
    return [
        MachineOut(
            fingerprint=machine.fingerprint,
            hostname=machine.hostname,
            cpu_model=machine.cpu_model,
            cpu_flags=list(machine.cpu_flags),
            cores=machine.cores,
            memory_bytes=machine.memory_bytes,
            os=machine.os,
            first_seen=first_seen,
            last_seen=last_seen,
        )
        for machine, first_seen, last_seen in list_machines(session)
    ]
