"""Portal accounts: invitations, emailed one-time links, passwords, logins and sessions.

The same rules as staff accounts (crm.auth): links carry a 256-bit random token of which only
the SHA-256 is stored and are redeemed once by a conditional UPDATE; passwords follow the
staff policy and are hashed with scrypt; failed logins are counted in `login_attempts`
(kinds `portal` and `portal_link`), so every worker shares the throttle; sessions live in the
database with the staff idle and absolute timeouts. Every change is audited without the
secret. Functions flush; the caller commits.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash

from crm.audit.services import record
from crm.auth.links import email_problems
from crm.auth.models import LoginAttempt
from crm.auth.services import hash_password, normalise_email, password_problems
from crm.common.actor import Actor, CreatorActor
from crm.common.errors import Conflict, DomainError, FieldErrors, Invalid, NotFound, TooManyRequests
from crm.common.timeutil import utcnow
from crm.creators.models import Creator
from crm.mail.notifications import base_url, subject_line
from crm.mail.rendering import render_email
from crm.mail.services import enqueue
from crm.portal.models import (
    RELATIONS,
    PortalAccount,
    PortalLink,
    PortalMembership,
    PortalSession,
)

INVITE = "invite"
LOGIN = "login"
PATHS = {INVITE: "/portal/invite/", LOGIN: "/portal/link/"}
_DUMMY_HASH = hash_password("not-a-real-password-at-all")


def sha256(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass(frozen=True)
class PortalSettings:
    base_url: str = "http://127.0.0.1:5000"
    invite_days: int = 7
    login_link_minutes: int = 15
    per_account: int = 5
    per_address: int = 20
    window_minutes: int = 15
    idle_minutes: int = 30
    absolute_hours: int = 12


def settings_from(config: Any) -> PortalSettings:
    """The portal follows the staff settings: link lifetimes, throttles and timeouts."""
    return PortalSettings(
        base_url=str(config.get("CRM_BASE_URL") or "").rstrip("/"),
        invite_days=int(config["AUTH_INVITE_LINK_DAYS"]),
        login_link_minutes=int(config["PORTAL_LOGIN_LINK_MINUTES"]),
        per_account=int(config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]),
        per_address=int(config["LOGIN_MAX_FAILURES_PER_ADDRESS"]),
        window_minutes=int(config["LOGIN_FAILURE_WINDOW_MINUTES"]),
        idle_minutes=int(config["SESSION_IDLE_MINUTES"]),
        absolute_hours=int(config["SESSION_ABSOLUTE_HOURS"]),
    )


@dataclass(frozen=True)
class Invitation:
    account: PortalAccount
    membership: PortalMembership
    link: PortalLink
    url: str = field(repr=False)  # carries the token


class LinkUnusable(DomainError):
    status = 410
    title = "Link no longer valid"
    MESSAGES: ClassVar[dict[str, str]] = {
        "unknown": "This link is not valid. Check that you copied all of it.",
        "used": "This link was already used. Each link works once.",
        "replaced": "This link was replaced by a newer one.",
        "expired": "This link has expired. Ask for a new one on the login page.",
        "inactive": "This portal account is closed; ask your contact at the company.",
    }

    def __init__(self, reason: str) -> None:
        super().__init__(self.MESSAGES[reason])
        self.reason = reason
        if reason == "unknown":
            self.status = 404


class LoginFailed(Exception):
    message = "Email or password is incorrect."


def actor_for(account: PortalAccount, creator_id: int) -> CreatorActor:
    return CreatorActor(
        account_id=account.id, creator_id=creator_id, name=account.name, email=account.email
    )


def find_account(session: Session, email: str | None) -> PortalAccount | None:
    return session.scalar(
        select(PortalAccount).where(PortalAccount.email == normalise_email(email))
    )


def membership(session: Session, account_id: int, creator_id: int) -> PortalMembership | None:
    return session.scalar(
        select(PortalMembership).where(
            PortalMembership.account_id == account_id, PortalMembership.creator_id == creator_id
        )
    )


def creator_memberships(session: Session, creator_id: int) -> list[PortalMembership]:
    return list(
        session.scalars(
            select(PortalMembership)
            .where(PortalMembership.creator_id == creator_id)
            .order_by(PortalMembership.id)
        )
    )


# --- links -------------------------------------------------------------------------------


def _duration(delta: timedelta) -> str:
    minutes = round(delta.total_seconds() / 60)
    if minutes % (24 * 60) == 0:
        return f"{minutes // (24 * 60)} days"
    return f"{minutes} minutes"


def _issue(
    session: Session,
    actor: Actor | None,
    account: PortalAccount,
    creator_id: int,
    purpose: str,
    settings: PortalSettings,
) -> tuple[PortalLink, str]:
    now = utcnow()
    session.execute(
        update(PortalLink)
        .where(
            PortalLink.account_id == account.id,
            PortalLink.purpose == purpose,
            PortalLink.used_at.is_(None),
            PortalLink.revoked_at.is_(None),
        )
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    raw = secrets.token_urlsafe(32)
    lifetime = (
        timedelta(days=settings.invite_days)
        if purpose == INVITE
        else timedelta(minutes=settings.login_link_minutes)
    )
    link = PortalLink(
        account_id=account.id,
        creator_id=creator_id,
        purpose=purpose,
        token_hash=sha256(raw),
        created_at=now,
        expires_at=now + lifetime,
        created_by_id=actor.id if actor is not None and isinstance(actor.id, int) else None,
    )
    session.add(link)
    session.flush()
    url = f"{settings.base_url}{PATHS[purpose]}{raw}"
    if purpose == INVITE:
        named = getattr(actor, "email", None) and getattr(actor, "name", None)
        inviter = named or "The creator-relations team"
        subject = "You are invited to the creator portal"
        intro = (
            f"{inviter} invited you to the creator portal, where you read and sign NDAs, "
            "send drafts for review and say how your works may be used. Choose your "
            "password here to finish setting up your account "
            f"({account.email}):"
        )
        action = "Accept the invitation"
    else:
        subject = "Your login link for the creator portal"
        intro = "Use this link to log in to the creator portal:"
        action = "Log in"
    context = {
        "account": account,
        "url": url,
        "subject": subject,
        "intro": intro,
        "action": action,
        "valid_for": _duration(lifetime),
        "base_url": base_url(),
    }
    enqueue(
        session,
        to=account.email,
        subject=subject_line(subject),
        text=render_email("email/portal_link.txt", **context),
        html=render_email("email/portal_link.html", **context),
        kind=f"portal_{purpose}",
        idempotency_key=f"portal-link:{link.id}",
    )
    return link, url


def invite(
    session: Session,
    actor: Actor,
    *,
    creator_id: int,
    email: str | None,
    relation: str = "creator",
    name: str | None = None,
    settings: PortalSettings,
) -> Invitation:
    """Invite a creator (or their representative) to the portal by email.

    An address that already has a portal account gets this creator added to it (an agent
    for several creators keeps one login); either way a new invitation link is emailed and
    the previous one stops working."""
    errors = FieldErrors()
    for problem in email_problems(email):
        errors.add("email", problem)
    if relation not in RELATIONS:
        errors.add("relation", f"must be one of {', '.join(RELATIONS)}")
    creator = session.get(Creator, creator_id)
    if creator is None:
        raise NotFound("No such creator.")
    errors.raise_if_any()
    if creator.archived:
        raise Conflict("This creator is archived; restore them before inviting them.")
    if creator.status == "do_not_contact":
        raise Conflict("This creator is marked do not contact.")
    address = normalise_email(email)
    account = find_account(session, address)
    if account is None:
        display = (name or "").strip() or (
            creator.display_name if relation == "creator" else address.partition("@")[0]
        )
        account = PortalAccount(email=address, name=display[:200], password_hash=None)
        session.add(account)
        session.flush()
    elif not account.active:
        raise Conflict("This portal account is closed; reopen it first.")
    member = membership(session, account.id, creator.id)
    if member is None:
        member = PortalMembership(
            account_id=account.id,
            creator_id=creator.id,
            relation=relation,
            invited_by_id=actor.id if isinstance(actor.id, int) else None,
        )
        session.add(member)
        session.flush()
        session.expire(account, ["memberships"])
    link, url = _issue(session, actor, account, creator.id, INVITE, settings)
    record(
        session,
        actor,
        "portal.invite",
        "creator",
        creator.id,
        {
            "email": address,
            "relation": member.relation,
            "account_id": account.id,
            "link_id": link.id,
            "expires_at": link.expires_at,
        },
    )
    session.flush()
    return Invitation(account, member, link, url)


def _find(session: Session, purpose: str, raw: str | None, now: datetime) -> PortalLink:
    if not raw or len(raw) > 128 or len(raw) < 32:
        raise LinkUnusable("unknown")
    link = session.scalar(
        select(PortalLink).where(
            PortalLink.token_hash == sha256(raw), PortalLink.purpose == purpose
        )
    )
    if link is None:
        raise LinkUnusable("unknown")
    if not link.account.active:
        raise LinkUnusable("inactive")
    if link.used_at is not None:
        raise LinkUnusable("used")
    if link.revoked_at is not None:
        raise LinkUnusable("replaced")
    if link.expires_at <= now:
        raise LinkUnusable("expired")
    member = membership(session, link.account_id, link.creator_id)
    if member is None or member.creator.archived:
        raise LinkUnusable("inactive")
    return link


def check_link(session: Session, purpose: str, raw: str | None) -> PortalLink:
    return _find(session, purpose, raw, utcnow())


def redeem(
    session: Session, purpose: str, raw: str | None, password: str | None = None
) -> tuple[PortalAccount, int]:
    """Use a link once; an invitation to an account without a password sets one.

    Returns the account and the creator the link was for (the session acts for them)."""
    now = utcnow()
    link = _find(session, purpose, raw, now)
    account = link.account
    new_hash = None
    if purpose == INVITE and (password or account.password_hash is None):
        problems = password_problems(password, account.email)
        if problems:
            raise Invalid({"password": problems})
        new_hash = hash_password(password or "")
    claimed: CursorResult[Any] = session.execute(  # type: ignore[assignment]
        update(PortalLink)
        .where(
            PortalLink.id == link.id,
            PortalLink.used_at.is_(None),
            PortalLink.revoked_at.is_(None),
            PortalLink.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise LinkUnusable("used")
    creator_id, link_id = link.creator_id, link.id
    session.expire(link)
    if new_hash is not None:
        account.password_hash = new_hash
        end_all_sessions(session, account)
    if purpose == INVITE:
        member = membership(session, account.id, creator_id)
        if member is not None and member.accepted_at is None:
            member.accepted_at = now
    account.last_login_at = now
    actor = actor_for(account, creator_id)
    action = "portal.invite_accept" if purpose == INVITE else "portal.login_link"
    record(session, actor, action, "portal_account", account.id, {"link_id": link_id})
    session.flush()
    return account, creator_id


def request_login_link(
    session: Session, email: str | None, ip: str | None, settings: PortalSettings
) -> None:
    """Email a one-time login link when the address has an active portal account; the
    answer is the same either way. Throttled as password-reset requests are."""
    problems = email_problems(email)
    if problems:
        raise Invalid({"email": problems})
    address = normalise_email(email)
    ip = (ip or "unknown")[:64]
    window = timedelta(minutes=settings.window_minutes)
    wait = _retry_after(session, "ip", ip, settings.per_address, window, "portal_link")
    if wait:
        raise TooManyRequests("Too many login-link requests. Try again later.", wait)
    quiet = _retry_after(session, "email", address, 3, window, "portal_link")
    session.add(LoginAttempt(email=address, ip=ip, succeeded=False, kind="portal_link"))
    account = find_account(session, address)
    sent = False
    if account is not None and account.active and account.memberships and not quiet:
        _issue(session, None, account, account.memberships[0].creator_id, LOGIN, settings)
        sent = True
    record(
        session,
        None,
        "portal.login_link_request",
        "portal_account",
        account.id if account else None,
        {"email": address, "ip": ip, "sent": sent},
    )
    session.flush()


# --- passwords and logins ----------------------------------------------------------------


def _retry_after(
    session: Session, column: str, value: str, limit: int, window: timedelta, kind: str
) -> int | None:
    since = utcnow() - window
    col = LoginAttempt.email if column == "email" else LoginAttempt.ip
    rows = session.scalars(
        select(LoginAttempt.at)
        .where(
            col == value,
            LoginAttempt.kind == kind,
            LoginAttempt.succeeded.is_(False),
            LoginAttempt.at >= since,
        )
        .order_by(LoginAttempt.at.desc())
        .limit(limit)
    ).all()
    if len(rows) < limit:
        return None
    return max(1, int((rows[-1] + window - utcnow()).total_seconds()) + 1)


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
