"""Delivering runs to a central server: post now, or keep them in an outbox until it answers.

A run is written to the outbox before the first attempt and removed only once the server
has it (201 stored, or 200 already stored), so nothing measured is lost; because the server
stores each run_id once, a retry after a lost answer never stores a run twice.

What the server answers decides what happens to a document:
- network errors and 5xx (and 408/429): the server may recover; retried with backoff, kept;
- 401/403: the token is wrong, not the document; kept, and nothing more is tried this time;
- any other 4xx: the server judged the document itself invalid; retrying cannot help, so it
  is moved to outbox/rejected/ (kept for a person, reported) and the runs behind it go out.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import httpx

from benchsvc.domain import RunDocument
from benchsvc.spool import load, pending, spool

TIMEOUT_SECONDS = 30.0
REJECTED = "rejected"


class Refusal(StrEnum):
    UNAVAILABLE = "unavailable"  # network error, 5xx, 408, 429: try again later
    UNAUTHORIZED = "unauthorized"  # 401, 403: the token, not the document
    INVALID = "invalid"  # other 4xx: the document itself


class DeliveryError(RuntimeError):
    """The server did not take the run; `refusal` says why, and so whether trying again can help."""

    def __init__(self, message: str, *, refusal: Refusal) -> None:
        super().__init__(message)
        self.refusal = refusal

    @property
    def retry(self) -> bool:
        return self.refusal is Refusal.UNAVAILABLE


def refusal_of(status_code: int) -> Refusal:
    if status_code >= 500 or status_code in (408, 429):
        return Refusal.UNAVAILABLE
    if status_code in (401, 403):
        return Refusal.UNAUTHORIZED
    return Refusal.INVALID


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
        raise DeliveryError(f"cannot reach {server_url}: {exc}", refusal=Refusal.UNAVAILABLE) from exc
    if answer.status_code in (200, 201):
        return Delivered(run_id=str(document.run_id), created=answer.status_code == 201)
    reason = server_message(answer)
    raise DeliveryError(f"{server_url} answered {answer.status_code}: {reason}", refusal=refusal_of(answer.status_code))


@dataclass(frozen=True)
class Backoff:
    """Attempts at one document within one delivery pass, waiting longer after each failure."""

    attempts: int = 4
    first_delay_seconds: float = 1.0

    def delays(self) -> list[float]:
        return [self.first_delay_seconds * 2**attempt for attempt in range(self.attempts - 1)]


def post_with_backoff(document: RunDocument, server_url: str, token: str, backoff: Backoff) -> Delivered:
    for delay in backoff.delays():
        try:
            return post_document(document, server_url, token)
        except DeliveryError as exc:
            if not exc.retry:
                raise
            time.sleep(delay)
    return post_document(document, server_url, token)


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

    def took(self, document: RunDocument) -> bool:
        return any(delivered.run_id == str(document.run_id) for delivered in self.delivered)


def deliver_outbox(outbox: Path, server_url: str, token: str, backoff: Backoff = Backoff()) -> OutboxDelivery:
    """Post every waiting run, oldest first; an invalid one is set aside, a server or token problem stops the pass."""
    delivered: list[Delivered] = []
    rejected: list[Path] = []
    errors: list[str] = []
    waiting = pending(outbox)
    while waiting:
        path = waiting[0]
        try:
            delivered.append(post_with_backoff(load(path), server_url, token, backoff))
        except ValueError as exc:
            errors.append(f"{path.name}: not a valid run document, set aside in {outbox / REJECTED}: {exc}")
            rejected.append(set_aside(path))
        except DeliveryError as exc:
            if exc.refusal is not Refusal.INVALID:
                errors.append(f"{path.name}: {exc}; kept in the outbox")
                break
            errors.append(f"{path.name}: {exc}; set aside in {outbox / REJECTED}, never retried")
            rejected.append(set_aside(path))
        else:
            path.unlink()
        waiting.pop(0)
    return OutboxDelivery(delivered=delivered, waiting=waiting, rejected=rejected, errors=errors)


def set_aside(path: Path) -> Path:
    # Kept for a person to inspect, but out of the way of the runs behind it.
    target = path.parent / REJECTED / path.name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(path, target)
    return target


def send(
    document: RunDocument, outbox: Path, server_url: str, token: str, backoff: Backoff = Backoff()
) -> OutboxDelivery:
    """Keep the run in the outbox first, then deliver everything waiting there."""
    spool(document, outbox)
    return deliver_outbox(outbox, server_url, token, backoff)
