"""Server-side sessions: started at login, kept alive by use, ended at logout, on idle or age,
and all at once when a password changes or the account is deactivated.

The cookie holds only the key; the table holds its SHA-256, so logout and deactivation take
effect in every worker at once."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash

from crm.audit.services import record
from crm.auth.models import User, UserSession
from crm.auth.services._common import _sha256
from crm.common.errors import Invalid
from crm.common.timeutil import utcnow


def start_session(session: Session, user: User, ip: str | None, user_agent: str | None) -> str:
    """Create a server-side session and return its key (kept only in the signed cookie)."""
    key = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        UserSession(
            key_hash=_sha256(key),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            authenticated_at=now,
            ip=(ip or "")[:64],
            user_agent=(user_agent or "")[:300],
        )
    )
    session.flush()
    return key


@dataclass
class SessionLimits:
    idle_minutes: int = 30
    absolute_hours: int = 12


def load_session(session: Session, key: str | None, limits: SessionLimits) -> UserSession | None:
    """The live session for this key, or None when it ended, idled out or aged out."""
    if not key:
        return None
    row = session.scalar(select(UserSession).where(UserSession.key_hash == _sha256(key)))
    if row is None or row.ended_at is not None or not row.user.active:
        return None
    now = utcnow()
    if now - row.last_seen_at > timedelta(minutes=limits.idle_minutes) or (
        now - row.created_at > timedelta(hours=limits.absolute_hours)
    ):
        row.ended_at = now
        return None
    return row


def touch_session(row: UserSession) -> bool:
    """Refresh last_seen_at at most once a minute, so reading pages does not write each time."""
    now = utcnow()
    if now - row.last_seen_at >= timedelta(seconds=60):
        row.last_seen_at = now
        return True
    return False


def end_session(session: Session, key: str | None) -> None:
    if not key:
        return
    session.execute(
        update(UserSession)
        .where(UserSession.key_hash == _sha256(key), UserSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )


def log_out(session: Session, user: User, key: str | None) -> None:
    end_session(session, key)
    record(session, user, "logout", "user", user.id)


def end_all_sessions(session: Session, user: User, except_hash: str | None = None) -> None:
    stmt = update(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    if except_hash:
        stmt = stmt.where(UserSession.key_hash != except_hash)
    session.execute(stmt.values(ended_at=utcnow()))


def reauthenticate(session: Session, user: User, row: UserSession, password: str) -> None:
    if not check_password_hash(user.password_hash, password or ""):
        record(session, user, "login.reauth_failure", "user", user.id)
        raise Invalid({"password": ["is not your password"]})
    row.authenticated_at = utcnow()
    record(session, user, "login.reauth", "user", user.id)
