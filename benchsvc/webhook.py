"""Tell the outside world about new regressions: one JSON POST to the configured webhook."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import httpx
from pydantic import BaseModel
from sqlalchemy import event
from sqlalchemy.orm import Session

from benchsvc.analysis import DetectionSettings
from benchsvc.config import Settings, get_settings
from benchsvc.detect import detect_regressions
from benchsvc.domain import RunDocument
from benchsvc.storage.regressions import Regression, RegressionState

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 5.0


class RegressionEvent(BaseModel):
    event: str = "regressions.new"
    regressions: list[Regression]


def detection_settings(settings: Settings) -> DetectionSettings:
    return DetectionSettings(alpha=settings.regression_alpha, min_change=settings.regression_min_change)


def watch_run(session: Session, document: RunDocument, settings: Settings | None = None) -> list[Regression]:
    """The ingest hook: detect regressions this saved run confirms; post the new ones once committed."""
    settings = settings or get_settings()
    changed = detect_regressions(session, document.run_id, detection_settings(settings))
    found = [regression for regression in changed if regression.state is RegressionState.NEW]
    if found and settings.webhook_url:
        url = settings.webhook_url
        # Only after commit: a rolled-back ingest must not announce a regression that is not stored.
        event.listen(session, "after_commit", lambda _session: post_regressions(url, found), once=True)
    return found


def post_regressions(url: str, regressions: Sequence[Regression]) -> bool:
    """POST the regressions as JSON; a failing receiver is logged, never fails the ingest."""
    body = RegressionEvent(regressions=list(regressions)).model_dump_json()
    try:
        response = httpx.post(url, content=body, headers={"Content-Type": "application/json"}, timeout=TIMEOUT_SECONDS)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        log.warning("webhook %s did not take %d regression(s): %s", url, len(regressions), exc)
        return False
    return True
