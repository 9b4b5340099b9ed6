"""Tell the outside world about new regressions: one JSON POST to the configured webhook."""

from __future__ import annotations

from collections.abc import Sequence

import httpx
from pydantic import BaseModel

from benchsvc.storage.regressions import Regression

TIMEOUT_SECONDS = 5.0


class WebhookError(RuntimeError):
    """The receiver did not take the event; the analysis queue tries again later."""


class RegressionEvent(BaseModel):
    event: str = "regressions.new"
    regressions: list[Regression]


def post_regressions(url: str, regressions: Sequence[Regression]) -> None:
    """POST the regressions as JSON; raises WebhookError when the receiver does not answer 2xx."""
    body = RegressionEvent(regressions=list(regressions)).model_dump_json()
    try:
        response = httpx.post(url, content=body, headers={"Content-Type": "application/json"}, timeout=TIMEOUT_SECONDS)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        raise WebhookError(f"webhook {url} did not take {len(regressions)} regression(s): {exc}") from exc
