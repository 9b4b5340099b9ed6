"""Delivering runs to a central server: post now, or keep them in an outbox until it answers.

A run is written to the outbox before the first attempt and removed only once the server
has it (201 stored, or 200 already stored), so nothing measured is lost; because the server
stores each run_id once, a retry after a lost answer never stores a run twice.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import httpx

from benchsvc.domain import RunDocument
from benchsvc.spool import load, pending, spool

TIMEOUT_SECONDS = 30.0


class DeliveryError(RuntimeError):
    """The server did not take the run; `retry` says whether trying again later can help."""

    def __init__(self, message: str, *, retry: bool) -> None:
        super().__init__(message)
        self.retry = retry


@dataclass(frozen=True)
class Delivered:
    run_id: str
    created: bool


def runs_endpoint(server_url: str) -> str:
    return server_url.rstrip("/") + "/api/v1/runs"


def post_document(document: RunDocument, server_url: str, token: str) -> Delivered:
    try:
        answer = httpx.post(
            runs_endpoint(server_url),
            content=document.model_dump_json(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            timeout=TIMEOUT_SECONDS,
        )
    except httpx.HTTPError as exc:
        raise DeliveryError(f"cannot reach {server_url}: {exc}", retry=True) from exc
    if answer.status_code in (200, 201):
        return Delivered(run_id=str(document.run_id), created=answer.status_code == 201)
    reason = server_message(answer)
    # Bad documents stay bad; a wrong token, an overloaded or restarting server may recover.
    retry = answer.status_code in (401, 403, 408, 429) or answer.status_code >= 500
    raise DeliveryError(f"{server_url} answered {answer.status_code}: {reason}", retry=retry)


def server_message(answer: httpx.Response) -> str:
    try:
        body = answer.json()
    except ValueError:
        return answer.text[:500]
    return str(body.get("message") or body.get("detail") or body) if isinstance(body, dict) else str(body)


@dataclass(frozen=True)
class OutboxDelivery:
    delivered: list[Delivered]
    waiting: list[Path]
    rejected: list[Path]
    errors: list[str]


def deliver_outbox(outbox: Path, server_url: str, token: str) -> OutboxDelivery:
    """Post every waiting run, oldest first; stop at the first failure that a retry may cure."""
    delivered: list[Delivered] = []
    rejected: list[Path] = []
    errors: list[str] = []
    waiting = pending(outbox)
    while waiting:
        path = waiting[0]
        try:
            delivered.append(post_document(load(path), server_url, token))
        except ValueError as exc:
            errors.append(f"{path.name}: not a valid run document: {exc}")
            rejected.append(set_aside(path))
        except DeliveryError as exc:
            errors.append(f"{path.name}: {exc}")
            if exc.retry:
                break
            rejected.append(set_aside(path))
        else:
            path.unlink()
        waiting.pop(0)
    return OutboxDelivery(delivered=delivered, waiting=waiting, rejected=rejected, errors=errors)


def set_aside(path: Path) -> Path:
    # Kept for a person to inspect, but out of the way of the runs behind it.
    target = path.parent / "rejected" / path.name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(path, target)
    return target


def send(document: RunDocument, outbox: Path, server_url: str, token: str) -> OutboxDelivery:
    """Keep the run in the outbox first, then deliver everything waiting there."""
    spool(document, outbox)
    return deliver_outbox(outbox, server_url, token)
