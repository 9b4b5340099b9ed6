"""Tokens over the API: only an admin token may create, list or revoke them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, status
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field

from benchsvc.api.deps import AdminTokenDep, SessionDep
from benchsvc.api.errors import NOT_FOUND_ERRORS, WRITE_ERRORS
from benchsvc.domain import NAME_PATTERN, Name
from benchsvc.storage.tokens import Scope, TokenInfo, create_token, list_tokens, revoke_tokens

router = APIRouter(prefix="/tokens", tags=["tokens"])


class TokenRequest(BaseModel):
    name: Annotated[Name, Field(min_length=1, max_length=64, description="Who uses it, e.g. ci or bench-01.")]
    scope: Scope = Scope.WRITE


class TokenOut(BaseModel):
    id: int
    name: str
    scope: Scope
    prefix: str = Field(description="The token's first characters, enough to recognise it; never the secret.")
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class IssuedTokenOut(TokenOut):
    secret: str = Field(description="The token itself: shown in this answer only, never again.")


def token_out(info: TokenInfo) -> TokenOut:
    return TokenOut(
        id=info.id, name=info.name, scope=info.scope, prefix=info.prefix, created_at=info.created_at,
        last_used_at=info.last_used_at, revoked_at=info.revoked_at,
    )


@router.post("", response_model=IssuedTokenOut, status_code=status.HTTP_201_CREATED, responses=WRITE_ERRORS)
def create(request: TokenRequest, session: SessionDep, admin: AdminTokenDep) -> IssuedTokenOut:
    """Create a token (needs an admin token); the answer carries its secret, which is stored only as a hash."""
    try:
        issued = create_token(session, request.name, request.scope)
    except ValueError as exc:
        raise RequestValidationError([{"loc": ("body", "name"), "msg": str(exc), "type": "value_error"}]) from exc
    session.commit()
    return IssuedTokenOut(**token_out(issued.info).model_dump(), secret=issued.secret)


@router.get("", response_model=list[TokenOut])
def listing(session: SessionDep, admin: AdminTokenDep) -> list[TokenOut]:
    """Every token, revoked ones included (needs an admin token)."""
    return [token_out(info) for info in list_tokens(session)]


@router.delete("/{token}", response_model=list[TokenOut], responses=NOT_FOUND_ERRORS)
def revoke(
    token: Annotated[str, Path(
        min_length=1, max_length=64, pattern=NAME_PATTERN,
        description="The token's id or name (revokes every active token of that name).",
    )],
    session: SessionDep,
    admin: AdminTokenDep,
) -> list[TokenOut]:
    """Revoke tokens (needs an admin token): requests with them get 401 from now on."""
    revoked = revoke_tokens(session, token)
    if not revoked:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no active token with id or name {token!r}")
    session.commit()
    return [token_out(info) for info in revoked]
