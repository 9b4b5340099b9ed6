"""API tokens: the secret is shown once at creation; the database keeps only its SHA-256."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import DateTime, Integer, String, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from benchsvc.access import Scope
from benchsvc.domain import INT32_MAX
from benchsvc.storage.repository import utc
from benchsvc.storage.tables import Base

TOKEN_PREFIX = "bsv_"
# Listings show the fixed prefix and this many characters of the secret, enough to tell tokens apart.
SHOWN_SECRET_CHARACTERS = 4
LAST_USED_RESOLUTION = timedelta(minutes=1)


class TokenRow(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    scope: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True)
class TokenInfo:
    id: int
    name: str
    scope: Scope
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True)
class IssuedToken:
    info: TokenInfo
    secret: str


def hash_secret(secret: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is enough: there is nothing to brute-force.
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(session: Session, name: str, scope: Scope = Scope.WRITE) -> IssuedToken:
    name = name.strip()
    if not name or len(name) > 64:
        raise ValueError("a token name must have 1 to 64 characters")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = TokenRow(
        name=name,
        scope=scope.value,
        token_hash=hash_secret(secret),
        prefix=shown_part(secret),
        created_at=datetime.now(timezone.utc),
    )
    session.add(row)
    session.flush()
    return IssuedToken(info=to_info(row), secret=secret)


def shown_part(secret_or_prefix: str) -> str:
    return secret_or_prefix[: len(TOKEN_PREFIX) + SHOWN_SECRET_CHARACTERS]


def authenticate(session: Session, secret: str) -> TokenInfo | None:
    """The active token with this secret, marked as used; None when unknown or revoked."""
    presented = hash_secret(secret)
    row = session.scalar(select(TokenRow).where(TokenRow.token_hash == presented))
    # The lookup is by hash; the comparison that decides is constant-time all the same.
    if row is None or not hmac.compare_digest(row.token_hash, presented) or row.revoked_at is not None:
        return None
    now = datetime.now(timezone.utc)
    # To the minute: a fleet posting many runs a second must not write the token row on each.
    if row.last_used_at is None or now - utc(row.last_used_at) > LAST_USED_RESOLUTION:
        row.last_used_at = now
    return to_info(row)


def list_tokens(session: Session) -> list[TokenInfo]:
    return [to_info(row) for row in session.scalars(select(TokenRow).order_by(TokenRow.id))]


def revoke_tokens(session: Session, name_or_id: str) -> list[TokenInfo]:
    """Revoke the active tokens with this id or name; returns those revoked."""
    match = TokenRow.name == name_or_id
    if name_or_id.isascii() and name_or_id.isdigit() and int(name_or_id) <= INT32_MAX:
        match = or_(match, TokenRow.id == int(name_or_id))
    rows = session.scalars(select(TokenRow).where(match, TokenRow.revoked_at.is_(None))).all()
    now = datetime.now(timezone.utc)
    for row in rows:
        row.revoked_at = now
    return [to_info(row) for row in rows]


def to_info(row: TokenRow) -> TokenInfo:
    return TokenInfo(
        id=row.id,
        name=row.name,
        scope=Scope(row.scope),
        prefix=shown_part(row.prefix),
        created_at=utc(row.created_at),
        last_used_at=utc(row.last_used_at) if row.last_used_at else None,
        revoked_at=utc(row.revoked_at) if row.revoked_at else None,
    )
