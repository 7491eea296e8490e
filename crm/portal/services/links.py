"""Portal links: invitations, emailed one-time login links and password resets, issued with
a 256-bit token of which only the SHA-256 is stored, checked, and redeemed once by a
conditional UPDATE — the staff account-recovery links (crm.auth.links) over portal accounts,
with the same address check, lifetimes and throttles. Apart from accounts.py (passwords and
logins) because links are their own lifecycle."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from crm.audit.services import record
from crm.auth.links import email_problems
from crm.auth.models import LoginAttempt
from crm.auth.services import hash_password, normalise_email, password_problems
from crm.common.actor import Actor
from crm.common.errors import Conflict, FieldErrors, Invalid, NotFound, TooManyRequests
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
)
from crm.portal.services.account_base import (
    INVITE,
    LOGIN,
    PATHS,
    RESET,
    Invitation,
    LinkUnusable,
    PortalSettings,
    _retry_after,
    actor_for,
    find_account,
    membership,
    sha256,
)
from crm.portal.services.portal_sessions import (
    end_all_sessions,
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
    if purpose == INVITE:
        lifetime = timedelta(days=settings.invite_days)
    elif purpose == RESET:
        lifetime = timedelta(minutes=settings.reset_minutes)
    else:
        lifetime = timedelta(minutes=settings.login_link_minutes)
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
    elif purpose == RESET:
        subject = "Choose a new password for the creator portal"
        intro = (
            "Someone (we hope you) asked to reset the password of your creator portal "
            f"account ({account.email}). Choose a new one here; every device logged in "
            "to your account is logged out:"
        )
        action = "Choose a new password"
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
    if purpose == RESET or (purpose == INVITE and (password or account.password_hash is None)):
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
    if purpose == RESET:  # whoever asked for other links before no longer holds the account
        session.execute(
            update(PortalLink)
            .where(
                PortalLink.account_id == account.id,
                PortalLink.used_at.is_(None),
                PortalLink.revoked_at.is_(None),
            )
            .values(revoked_at=now)
            .execution_options(synchronize_session=False)
        )
    if purpose == INVITE:
        member = membership(session, account.id, creator_id)
        if member is not None and member.accepted_at is None:
            member.accepted_at = now
    account.last_login_at = now
    actor = actor_for(account, creator_id)
    action = {
        INVITE: "portal.invite_accept",
        RESET: "portal.password_reset",
    }.get(purpose, "portal.login_link")
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


def request_password_reset(
    session: Session, email: str | None, ip: str | None, settings: PortalSettings
) -> None:
    """Email a password-reset link when the address has an open portal account; the answer
    is the same either way. As for staff (crm.auth.links.request_password_reset): past
    `reset_per_address` requests from one network address the request is refused; past
    `reset_per_account` for one email address no more email goes out, and nothing says so."""
    problems = email_problems(email)
    if problems:
        raise Invalid({"email": problems})
    address = normalise_email(email)
    ip = (ip or "unknown")[:64]
    window = timedelta(minutes=settings.reset_window_minutes)
    wait = _retry_after(session, "ip", ip, settings.reset_per_address, window, "portal_reset")
    if wait:
        raise TooManyRequests("Too many password-reset requests. Try again later.", wait)
    quiet = _retry_after(
        session, "email", address, settings.reset_per_account, window, "portal_reset"
    )
    session.add(LoginAttempt(email=address, ip=ip, succeeded=False, kind="portal_reset"))
    account = find_account(session, address)
    usable = [m for m in (account.memberships if account else []) if not m.creator.archived]
    sent = False
    if account is not None and account.active and usable and not quiet:
        _issue(session, None, account, usable[0].creator_id, RESET, settings)
        sent = True
    record(
        session,
        None,
        "portal.password_reset_request",
        "portal_account",
        account.id if account else None,
        {"email": address, "ip": ip, "sent": sent, "throttled": bool(quiet)},
    )
    session.flush()
