"""Portal sessions: started at login, loaded per request with the staff idle and absolute
timeouts, ended one by one or everywhere, and switched between the creators an account
belongs to. Apart from accounts.py so links and logins can both end sessions."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from crm.audit.services import record
from crm.common.actor import CreatorActor
from crm.common.errors import NotFound
from crm.common.timeutil import utcnow
from crm.portal.models import (
    PortalAccount,
    PortalSession,
)
from crm.portal.services.account_base import (
    PortalSettings,
    membership,
    sha256,
)

# --- sessions ----------------------------------------------------------------------------


def start_session(
    session: Session, account: PortalAccount, creator_id: int, ip: str | None, ua: str | None
) -> str:
    key = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        PortalSession(
            key_hash=sha256(key),
            account_id=account.id,
            creator_id=creator_id,
            created_at=now,
            last_seen_at=now,
            authenticated_at=now,
            ip=(ip or "")[:64],
            user_agent=(ua or "")[:300],
        )
    )
    session.flush()
    return key


def load_session(
    session: Session, key: str | None, settings: PortalSettings
) -> PortalSession | None:
    """The live session for this key: not ended, not idle or aged out, its account active
    and still a member for the creator it acts for."""
    if not key or len(key) > 128:
        return None
    row = session.scalar(select(PortalSession).where(PortalSession.key_hash == sha256(key)))
    if row is None or row.ended_at is not None or not row.account.active:
        return None
    now = utcnow()
    if now - row.last_seen_at > timedelta(minutes=settings.idle_minutes) or (
        now - row.created_at > timedelta(hours=settings.absolute_hours)
    ):
        row.ended_at = now
        return None
    if membership(session, row.account_id, row.creator_id) is None:
        row.ended_at = now
        return None
    if now - row.last_seen_at >= timedelta(seconds=60):
        row.last_seen_at = now
    return row


def end_session(session: Session, key: str | None) -> None:
    if key:
        session.execute(
            update(PortalSession)
            .where(PortalSession.key_hash == sha256(key), PortalSession.ended_at.is_(None))
            .values(ended_at=utcnow())
            .execution_options(synchronize_session=False)
        )


def end_all_sessions(
    session: Session, account: PortalAccount, except_hash: str | None = None
) -> None:
    stmt = update(PortalSession).where(
        PortalSession.account_id == account.id, PortalSession.ended_at.is_(None)
    )
    if except_hash:
        stmt = stmt.where(PortalSession.key_hash != except_hash)
    session.execute(stmt.values(ended_at=utcnow()).execution_options(synchronize_session=False))


def log_out(session: Session, actor: CreatorActor, key: str | None, everywhere: bool) -> None:
    if everywhere:
        account = session.get(PortalAccount, actor.account_id)
        if account is not None:
            end_all_sessions(session, account)
    else:
        end_session(session, key)
    action = "portal.logout_everywhere" if everywhere else "portal.logout"
    record(session, actor, action, "portal_account", actor.account_id)
    session.flush()


def switch_creator(session: Session, row: PortalSession, creator_id: int) -> None:
    """A representative moves to another creator they act for."""
    if membership(session, row.account_id, creator_id) is None:
        raise NotFound("No such creator.")
    row.creator_id = creator_id
    session.flush()
