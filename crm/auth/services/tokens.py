"""API tokens: minted for a user, shown once, stored as a hash, revoked one by one or all
together (when the password changes or the account is deactivated)."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from crm.audit.services import record
from crm.auth.models import ApiToken, User
from crm.auth.services._common import _sha256
from crm.common.actor import Actor
from crm.common.errors import Invalid
from crm.common.timeutil import utcnow

TOKEN_PREFIX = "crm_"  # noqa: S105 (a public prefix)


def create_token(session: Session, actor: Actor, user: User, name: str) -> tuple[ApiToken, str]:
    """Return the token row and the raw token, which is shown once and never stored."""
    name = (name or "").strip() or "API token"
    if len(name) > 100 or any(ord(c) < 32 for c in name):
        raise Invalid({"name": ["must be 100 printable characters at most"]})
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, token_hash=_sha256(raw), prefix=raw[:10])
    session.add(token)
    session.flush()
    record(
        session, actor, "token.create", "api_token", token.id, {"user_id": user.id, "name": name}
    )
    return token, raw


def revoke_token(session: Session, actor: Actor, token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record(session, actor, "token.revoke", "api_token", token.id, {"user_id": token.user_id})
        session.flush()


def revoke_all_tokens(session: Session, user: User) -> None:
    session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def user_tokens(session: Session, user: User) -> list[ApiToken]:
    return list(
        session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc())
        )
    )


def user_for_token(session: Session, raw: str | None) -> User | None:
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == _sha256(raw)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at >= timedelta(minutes=1):
        token.last_used_at = now
    return token.user
