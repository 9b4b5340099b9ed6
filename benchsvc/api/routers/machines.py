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
        MachineOut(**machine.model_dump(), fingerprint=machine.fingerprint, first_seen=first, last_seen=last)
        for machine, first, last in list_machines(session)
    ]
