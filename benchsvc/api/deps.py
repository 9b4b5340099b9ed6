"""What request handlers depend on: a database session and the caller's token."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from benchsvc.access import Scope
from benchsvc.config import Settings
from benchsvc.domain import printable_name
from benchsvc.storage.database import session_factory
from benchsvc.storage.tokens import TokenInfo, authenticate


def get_engine(request: Request) -> Engine:
    return request.app.state.engine


def get_settings_of_app(request: Request) -> Settings:
    return request.app.state.settings


def get_session(engine: Annotated[Engine, Depends(get_engine)]) -> Iterator[Session]:
    # Handlers that write commit themselves, so a run is stored whole before the answer is sent.
    with session_factory(engine)() as session:
        yield session


EngineDep = Annotated[Engine, Depends(get_engine)]
SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings_of_app)]
BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(HTTPBearer(auto_error=False))]


def unauthorized(message: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, message, headers={"WWW-Authenticate": "Bearer"})


def token_with_scope(session: Session, credentials: HTTPAuthorizationCredentials | None, needed: Scope) -> TokenInfo:
    if credentials is None:
        raise unauthorized("this request needs a token: send 'Authorization: Bearer <token>'")
    token = authenticate(session, credentials.credentials)
    if token is None:
        raise unauthorized("the token is unknown or revoked")
    session.commit()  # keeps last_used_at even when the request itself fails later
    if not token.scope.allows(needed):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, f"token {token.name!r} has scope {token.scope}; this needs {needed}"
        )
    return token


def require_write_token(session: SessionDep, credentials: BearerDep) -> TokenInfo:
    return token_with_scope(session, credentials, Scope.WRITE)


def require_admin_token(session: SessionDep, credentials: BearerDep) -> TokenInfo:
    return token_with_scope(session, credentials, Scope.ADMIN)


def optional_bearer(
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> HTTPAuthorizationCredentials | None:
    """A read's token when one is sent; not a security requirement in OpenAPI, since reads are open by default."""
    scheme, _, secret = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return HTTPAuthorizationCredentials(scheme="Bearer", credentials=secret.strip())


OptionalBearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(optional_bearer)]


def require_read_access(session: SessionDep, settings: SettingsDep, credentials: OptionalBearerDep) -> None:
    if settings.api_require_read_token:
        token_with_scope(session, credentials, Scope.READ)


PAGE_TOKEN_COOKIE = "benchsvc_token"


def require_page_access(
    request: Request, session: SessionDep, settings: SettingsDep, credentials: OptionalBearerDep
) -> None:
    """Browsers cannot send a bearer header, so dashboard pages also take the read token from a cookie."""
    if not settings.api_require_read_token:
        return
    cookie = request.cookies.get(PAGE_TOKEN_COOKIE)
    if credentials is None and cookie:
        credentials = HTTPAuthorizationCredentials(scheme="Bearer", credentials=cookie)
    token_with_scope(session, credentials, Scope.READ)


WriteTokenDep = Annotated[TokenInfo, Depends(require_write_token)]
AdminTokenDep = Annotated[TokenInfo, Depends(require_admin_token)]


def printable_parameters(request: Request) -> None:
    """Query and path parameters are names, dates and numbers: control characters (NUL above all) never are."""
    parameters = [("query", name, value) for name, value in request.query_params.multi_items()]
    parameters += [("path", name, str(value)) for name, value in request.path_params.items()]
    problems = []
    for source, name, value in parameters:
        try:
            printable_name(value)
        except ValueError as exc:
            problems.append({"loc": (source, name), "msg": f"Value error, {exc}", "type": "value_error"})
    if problems:
        raise RequestValidationError(problems)
