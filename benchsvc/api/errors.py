"""Error answers: one line per problem naming the field, and every status documented in OpenAPI."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import InterfaceError, OperationalError

from benchsvc.storage.database import DatabaseError, unreachable_message

log = logging.getLogger(__name__)


class ErrorOut(BaseModel):
    detail: str


class Problem(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ValidationErrorOut(BaseModel):
    # "results.0.samples.2: Input should be a finite number; ..." for people and CI logs.
    message: str
    detail: list[Problem]


def answer(model: type[BaseModel], description: str) -> dict[str, Any]:
    return {"model": model, "description": description}


UNAUTHORIZED = answer(ErrorOut, "No token, or an unknown or revoked one.")
FORBIDDEN = answer(ErrorOut, "The token's scope does not allow this.")
INVALID = answer(ValidationErrorOut, "A parameter or the body is invalid; `message` names each field and why.")
UNAVAILABLE = answer(ErrorOut, "The database cannot be reached; nothing was changed. Try again later.")
NOT_FOUND = answer(ErrorOut, "No such item.")
TOO_LARGE = answer(ErrorOut, "The body is larger than BENCHSVC_API_MAX_BODY_BYTES; nothing was stored.")
NOT_JSON = answer(ErrorOut, "The body cannot be read as JSON; nothing was stored.")

# Every /api/v1 endpoint can answer these (401 and 403 for reads only with BENCHSVC_API_REQUIRE_READ_TOKEN).
API_ERRORS: dict[int | str, dict[str, Any]] = {401: UNAUTHORIZED, 403: FORBIDDEN, 422: INVALID, 503: UNAVAILABLE}
# Endpoints with a request body add these.
WRITE_ERRORS: dict[int | str, dict[str, Any]] = {400: NOT_JSON, 413: TOO_LARGE}
NOT_FOUND_ERRORS: dict[int | str, dict[str, Any]] = {404: NOT_FOUND}


def field_path(location: tuple | list) -> str:
    # FastAPI prefixes the source ("body", "query"); people think in the document's own field names.
    parts = [str(part) for part in location]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie"} and len(parts) > 1:
        parts = parts[1:]
    return ".".join(parts)


async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
    problems = [f"{field_path(error['loc'])}: {error['msg']}" for error in exc.errors()]
    # The offending input is left out: for a missing field it would echo the whole document back.
    errors = [{"loc": list(error["loc"]), "msg": error["msg"], "type": error["type"]} for error in exc.errors()]
    return JSONResponse(
        status_code=422,
        content={"message": "; ".join(problems), "detail": jsonable_encoder(errors)},
    )


async def database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    reason = str(exc) if isinstance(exc, DatabaseError) else unreachable_message(str(request.app.state.engine.url), exc)
    log.warning("%s %s: %s", request.method, request.url.path, reason)
    return JSONResponse(status_code=503, content={"detail": reason}, headers={"Retry-After": "5"})


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, validation_error)  # type: ignore[arg-type]
    for database_failure in (DatabaseError, OperationalError, InterfaceError):
        app.add_exception_handler(database_failure, database_unavailable)
