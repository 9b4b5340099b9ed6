"""Validation errors that say, in one line per problem, which field is wrong and why."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse


def field_path(location: tuple | list) -> str:
    # FastAPI prefixes the source ("body", "query"); people think in the document's own field names.
    parts = [str(part) for part in location]
    if parts and parts[0] in {"body", "query", "path"} and len(parts) > 1:
        parts = parts[1:]
    return ".".join(parts)


async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
    problems = [f"{field_path(error['loc'])}: {error['msg']}" for error in exc.errors()]
    # The offending input is left out: for a missing field it would echo the whole document back.
    errors = [{"loc": error["loc"], "msg": error["msg"], "type": error["type"]} for error in exc.errors()]
    return JSONResponse(
        status_code=422,
        content={"message": "; ".join(problems), "detail": jsonable_encoder(errors)},
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, validation_error)  # type: ignore[arg-type]
