"""JSON answers serialised once and kept until the data changes (see benchsvc.storage.cache)."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from fastapi import Response
from pydantic import TypeAdapter
from sqlalchemy.orm import Session

from benchsvc.storage.cache import READS


def cached_json(session: Session, question: Hashable, shape: Any, build: Callable[[], Any]) -> Response:
    """The answer's JSON bytes, built and serialised on the first ask only.

    Returned as a ready Response, so FastAPI does not validate and serialise a large answer
    a second time; `shape` (the endpoint's response_model) still documents it in OpenAPI.
    """
    adapter = TypeAdapter(shape)
    body = READS.answer(session, question, lambda: adapter.dump_json(build()))
    return Response(content=body, media_type="application/json")
