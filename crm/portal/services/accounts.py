"""Portal accounts: invitations, emailed one-time links, passwords, logins and sessions.

The same rules as staff accounts (crm.auth): links carry a 256-bit random token of which only
the SHA-256 is stored and are redeemed once by a conditional UPDATE; passwords follow the
staff policy and are hashed with scrypt; failed logins are counted in `login_attempts`
(kinds `portal` and `portal_link`), so every worker shares the throttle; sessions live in the
database with the staff idle and absolute timeouts. Every change is audited without the
secret. Functions flush; the caller commits.

This module holds passwords, logins and profile changes; links (links.py), sessions
(portal_sessions.py) and what they share (account_base.py) are re-exported here.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash

from crm.audit.services import record
from crm.auth.models import LoginAttempt
from crm.auth.services import hash_password, normalise_email, password_problems
from crm.common.actor import Actor, CreatorActor
from crm.common.errors import FieldErrors, Invalid, TooManyRequests
from crm.common.timeutil import utcnow
from crm.portal.models import (
    PortalAccount,
    PortalMembership,
    PortalSession,
)
from crm.portal.services.account_base import (  # noqa: F401 (re-exported)
    _DUMMY_HASH,
    INVITE,
    LOGIN,
    PATHS,
    RESET,
    Invitation,
    LinkUnusable,
    LoginFailed,
    PortalSettings,
    _retry_after,
    actor_for,
    creator_memberships,
    find_account,
    membership,
    settings_from,
    sha256,
)
from crm.portal.services.links import (  # noqa: F401 (re-exported)
    check_link,
    invite,
    redeem,
    request_login_link,
    request_password_reset,
)
from crm.portal.services.portal_sessions import (  # noqa: F401 (re-exported)
    end_all_sessions,
    end_session,
    load_session,
    log_out,
    start_session,
    switch_creator,
)

# --- passwords and logins ----------------------------------------------------------------


def authenticate(
    session: Session, email: str | None, password: str | None, ip: str, settings: PortalSettings
) -> PortalAccount:
    """Throttle, then check the password; unknown address and wrong password look alike.
    The caller commits even on failure (the attempt row is the throttle's memory)."""
    address = normalise_email(email)[:254]
    ip = (ip or "unknown")[:64]
    window = timedelta(minutes=settings.window_minutes)
    wait = _retry_after(
        session, "email", address, settings.per_account, window, "portal"
    ) or _retry_after(session, "ip", ip, settings.per_address, window, "portal")
    if wait:
        raise TooManyRequests("Too many failed logins. Try again later.", retry_after=wait)
    account = find_account(session, address)
    stored = account.password_hash if account is not None else None
    valid = check_password_hash(stored or _DUMMY_HASH, password or "")
    live = [m for m in account.memberships if not m.creator.archived] if account else []
    if not (account and stored and valid and account.active and live):
        session.add(LoginAttempt(email=address, ip=ip, succeeded=False, kind="portal"))
        record(
            session,
            None,
            "portal.login_failure",
            "portal_account",
            account.id if account else None,
            {"email": address, "ip": ip},
        )
        session.flush()
        raise LoginFailed()
    session.add(LoginAttempt(email=address, ip=ip, succeeded=True, kind="portal"))
    account.last_login_at = utcnow()
    actor = actor_for(account, live[0].creator_id)
    record(session, actor, "portal.login", "portal_account", account.id, {"ip": ip})
    session.flush()
    return account


def first_creator_id(account: PortalAccount) -> int:
    """The creator a new session acts for: the first one not archived."""
    return next(m.creator_id for m in account.memberships if not m.creator.archived)


def change_password(
    session: Session, actor: CreatorActor, account: PortalAccount, *, current: str, new: str,
    keep_session_key: str | None = None,
) -> None:  # fmt: skip
    if not check_password_hash(account.password_hash or _DUMMY_HASH, current or ""):
        raise Invalid({"current_password": ["is not your current password"]})
    problems = password_problems(new, account.email)
    if problems:
        raise Invalid({"new_password": problems})
    account.password_hash = hash_password(new)
    end_all_sessions(
        session, account, except_hash=sha256(keep_session_key) if keep_session_key else None
    )
    record(session, actor, "portal.password_change", "portal_account", account.id)
    session.flush()


def update_profile(
    session: Session,
    actor: CreatorActor,
    account: PortalAccount,
    *,
    name: str,
    phone: str,
    notify_decisions: bool,
) -> PortalAccount:
    errors = FieldErrors()
    name = " ".join((name or "").split())
    phone = (phone or "").strip()
    if not 1 <= len(name) <= 200:
        errors.add("name", "is required (200 characters at most)")
    if len(phone) > 40 or any(c not in "+0123456789 ()-./" for c in phone):
        errors.add("phone", "digits, spaces and + ( ) - . / only, 40 at most")
    errors.raise_if_any()
    before = {
        "name": account.name,
        "phone": account.phone,
        "notify_decisions": account.notify_decisions,
    }
    account.name, account.phone = name, phone
    account.notify_decisions = bool(notify_decisions)
    after = {
        "name": account.name,
        "phone": account.phone,
        "notify_decisions": account.notify_decisions,
    }
    changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    if changes:
        record(session, actor, "portal.profile_update", "portal_account", account.id, changes)
    session.flush()
    return account


def close_access(session: Session, actor: Actor, member: PortalMembership) -> None:
    """Staff remove an account's access to one creator; its sessions for them end."""
    session.execute(
        update(PortalSession)
        .where(
            PortalSession.account_id == member.account_id,
            PortalSession.creator_id == member.creator_id,
            PortalSession.ended_at.is_(None),
        )
        .values(ended_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    record(
        session,
        actor,
        "portal.access_remove",
        "creator",
        member.creator_id,
        {"account_id": member.account_id, "email": member.account.email},
    )
    account = member.account
    session.delete(member)
    session.flush()
    session.expire(account, ["memberships"])
