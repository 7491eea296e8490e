"""Single-use links by email: invitations for new users, and password resets.

A link carries a 256-bit random token (`secrets.token_urlsafe(32)`); only its SHA-256 is
stored, so the table alone cannot be turned back into working links. A link is valid until
it expires (resets after an hour, invitations after seven days, both in the configuration),
is used, or is replaced by a newer link of the same kind. Redeeming claims the row with one
conditional UPDATE (`used_at IS NULL AND revoked_at IS NULL AND expires_at > now`): two
redemptions at once succeed once, on SQLite and on PostgreSQL alike.

Emails go through the outbox: this module sends the `auth_link_issued` signal and the mail
engine (a higher layer) queues the message in the same transaction, one idempotency key per
link. The raw token is only in that email (and, for `invite-user --print-link`, on the
operator's terminal): never in the audit log, never in a log line.

Every function flushes; the caller commits.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar

from sqlalchemy import CursorResult, case, delete, func, select, update
from sqlalchemy.orm import Session

from crm.audit.services import record
from crm.auth import services
from crm.auth.models import AuthLink, LoginAttempt, User
from crm.auth.signals import auth_link_issued
from crm.common.actor import Actor
from crm.common.errors import Conflict, DomainError, FieldErrors, Invalid, TooManyRequests
from crm.common.timeutil import utcnow

INVITE = "invite"
RESET = "reset"
PURPOSES = (INVITE, RESET)
#: The path of each kind of link; the recovery pages' routes are built from the same strings.
PATHS = {INVITE: "/account/invite/", RESET: "/account/reset/"}
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{32,128}$")
# Characters never allowed anywhere in an address typed into a form: control, format
# (zero-width, bidi overrides), line and paragraph separators, private use, unassigned.
_BAD_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


@dataclass(frozen=True)
class LinkSettings:
    base_url: str = "http://127.0.0.1:5000"
    reset_minutes: int = 60
    invite_days: int = 7
    reset_per_account: int = 3
    reset_per_address: int = 20
    reset_window_minutes: int = 60


def settings_from(config: Mapping[str, Any]) -> LinkSettings:
    """The settings from an app's configuration (`current_app.config`)."""
    return LinkSettings(
        base_url=str(config.get("CRM_BASE_URL") or "").rstrip("/"),
        reset_minutes=int(config["AUTH_RESET_LINK_MINUTES"]),
        invite_days=int(config["AUTH_INVITE_LINK_DAYS"]),
        reset_per_account=int(config["PASSWORD_RESET_MAX_PER_ACCOUNT"]),
        reset_per_address=int(config["PASSWORD_RESET_MAX_PER_ADDRESS"]),
        reset_window_minutes=int(config["PASSWORD_RESET_WINDOW_MINUTES"]),
    )


@dataclass(frozen=True)
class IssuedLink:
    link: AuthLink
    url: str = field(repr=False)  # carries the token: kept out of reprs and tracebacks


@dataclass(frozen=True)
class Invitation:
    user: User
    link: AuthLink
    url: str = field(repr=False)


class LinkUnusable(DomainError):
    """The link cannot be used (any more); `reason` says why, for the page that explains it."""

    status = 410
    title = "Link no longer valid"
    MESSAGES: ClassVar[dict[str, str]] = {
        "unknown": "This link is not valid. Check that you copied all of it.",
        "used": "This link was already used. Each link works once.",
        "replaced": "This link was replaced: a newer one was sent, or the password was set.",
        "expired": "This link has expired.",
        "inactive": "This account is deactivated; ask an admin.",
    }

    def __init__(self, reason: str, purpose: str) -> None:
        super().__init__(self.MESSAGES[reason])
        self.reason = reason
        self.purpose = purpose
        if reason == "unknown":
            self.status = 404


# --- helpers -----------------------------------------------------------------------------


def email_problems(raw: str | None) -> list[str]:
    """What is wrong with an address typed into a form (empty list: nothing).

    Stricter than storage needs: CR/LF and other control or invisible characters anywhere
    (not only inside) and look-alike forms (full-width letters, ligatures) are refused, so
    an address that reaches an email header or a lookup is plain."""
    if any(unicodedata.category(c) in _BAD_CATEGORIES for c in raw or ""):
        return ["must not contain line breaks, control or invisible characters"]
    email = services.normalise_email(raw)
    if not email:
        return ["is required"]
    if len(email) > 254:
        return ["must be 254 characters at most"]
    if unicodedata.normalize("NFKC", email) != email:
        return ["must be written with plain characters (no look-alike forms)"]
    if not services.EMAIL_RE.match(email):
        return ["must be a valid email address"]
    return []


def link_url(settings: LinkSettings, purpose: str, raw: str) -> str:
    return f"{settings.base_url}{PATHS[purpose]}{raw}"


def _lifetime(settings: LinkSettings, purpose: str) -> timedelta:
    if purpose == INVITE:
        return timedelta(days=settings.invite_days)
    return timedelta(minutes=settings.reset_minutes)


def _issue(
    session: Session, actor: Actor | None, user: User, purpose: str, settings: LinkSettings
) -> IssuedLink:
    """A new link for the user (their open links of the same kind are replaced), emailed."""
    now = utcnow()
    session.execute(
        update(AuthLink)
        .where(
            AuthLink.user_id == user.id,
            AuthLink.purpose == purpose,
            AuthLink.used_at.is_(None),
            AuthLink.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    raw = secrets.token_urlsafe(32)
    link = AuthLink(
        user_id=user.id,
        purpose=purpose,
        token_hash=services._sha256(raw),
        created_at=now,
        expires_at=now + _lifetime(settings, purpose),
        created_by_id=getattr(actor, "id", None),
    )
    session.add(link)
    session.flush()
    url = link_url(settings, purpose, raw)
    replies = auth_link_issued.send(
        user,
        session=session,
        link=link,
        url=url,
        invited_by=actor if purpose == INVITE else None,
    )
    if not any(message is not None for _receiver, message in replies):
        # A link nobody can receive would look sent; refuse instead (the caller rolls back).
        raise RuntimeError("No mail engine is connected to deliver account links.")
    session.flush()
    return IssuedLink(link, url)


def _find(session: Session, purpose: str, raw: str | None, now: datetime) -> AuthLink:
    if purpose not in PURPOSES or not raw or not _TOKEN_RE.match(raw):
        raise LinkUnusable("unknown", purpose)
    link = session.scalar(
        select(AuthLink).where(
            AuthLink.token_hash == services._sha256(raw), AuthLink.purpose == purpose
        )
    )
    if link is None:
        raise LinkUnusable("unknown", purpose)
    if not link.user.active:
        raise LinkUnusable("inactive", purpose)
    if link.used_at is not None:
        raise LinkUnusable("used", purpose)
    if link.revoked_at is not None:
        raise LinkUnusable("replaced", purpose)
    if link.expires_at <= now:
        raise LinkUnusable("expired", purpose)
    return link


# --- invitations -------------------------------------------------------------------------


def invite_user(
    session: Session,
    actor: Actor,
    *,
    email: str,
    name: str | None,
    role: str,
    settings: LinkSettings,
) -> Invitation:
    """Create a user who sets their own password from an emailed invitation.

    The new account has no usable password (the hash of a random secret nobody keeps), so
    it cannot log in until the invitation is redeemed. The name defaults to the address's
    local part."""
    errors = FieldErrors()
    for problem in email_problems(email):
        errors.add("email", problem)
    address = services.normalise_email(email)
    display = (name or "").strip() or address.partition("@")[0]
    services._validate_profile(errors, name=display, role=role)
    errors.raise_if_any()
    if services.find_user_by_email(session, address):
        raise Invalid({"email": ["is already used by another user"]})
    user = User(
        email=address,
        name=display,
        role=role,
        password_hash=services.hash_password(secrets.token_urlsafe(32)),
        timezone="UTC",
        active=True,
        digest_opt_in=True,
    )
    session.add(user)
    session.flush()
    record(
        session,
        actor,
        "user.create",
        "user",
        user.id,
        {"email": address, "role": role, "invited": True},
    )
    issued = _issue(session, actor, user, INVITE, settings)
    record(
        session,
        actor,
        "user.invite",
        "user",
        user.id,
        {"link_id": issued.link.id, "expires_at": issued.link.expires_at},
    )
    session.flush()
    return Invitation(user, issued.link, issued.url)


def pending_invitations(session: Session) -> set[int]:
    """Ids of the users who were invited and have not used any link yet."""
    invites = func.sum(case((AuthLink.purpose == INVITE, 1), else_=0))
    rows = session.scalars(
        select(AuthLink.user_id)
        .group_by(AuthLink.user_id)
        .having(invites > 0, func.count(AuthLink.used_at) == 0)
    )
    return set(rows)


def resend_invitation(
    session: Session, actor: Actor, user: User, settings: LinkSettings
) -> Invitation:
    """A fresh invitation for a user who has not accepted theirs (the old link stops working)."""
    if not user.active:
        raise Conflict("This user is deactivated; reactivate them first.")
    if user.id not in pending_invitations(session):
        raise Conflict(
            f"{user.email} has no pending invitation; they can use “Forgot your password?”."
        )
    issued = _issue(session, actor, user, INVITE, settings)
    record(
        session,
        actor,
        "user.invite",
        "user",
        user.id,
        {"link_id": issued.link.id, "expires_at": issued.link.expires_at, "resent": True},
    )
    session.flush()
    return Invitation(user, issued.link, issued.url)


# --- password reset ----------------------------------------------------------------------


def request_password_reset(
    session: Session, email: str | None, ip: str | None, settings: LinkSettings
) -> None:
    """Email a reset link when the address belongs to an active user; otherwise do nothing.

    The caller answers the same either way: nothing here tells whether the address exists
    or is active. Requests are counted in `login_attempts` (kind "reset"), as failed logins
    are: past `reset_per_address` from one network address the request is refused with
    TooManyRequests (that depends only on the requester, not on the address typed); past
    `reset_per_account` for one email address, no further email is sent but the answer
    stays the same (so nobody can flood an inbox, nor learn anything from the throttle).
    A malformed address raises Invalid before anything is written."""
    problems = email_problems(email)
    if problems:
        raise Invalid({"email": problems})
    address = services.normalise_email(email)
    ip = (ip or "unknown")[:64]
    window = timedelta(minutes=settings.reset_window_minutes)
    wait = services._retry_after(
        session, LoginAttempt.ip, ip, settings.reset_per_address, window, kind="reset"
    )
    if wait:
        raise TooManyRequests("Too many password-reset requests. Try again later.", wait)
    quiet = services._retry_after(
        session, LoginAttempt.email, address, settings.reset_per_account, window, kind="reset"
    )
    session.add(LoginAttempt(email=address, ip=ip, succeeded=False, kind="reset"))
    user = services.find_user_by_email(session, address)
    changes: dict[str, Any] = {"email": address, "ip": ip, "sent": False}
    if user is not None and user.active and not quiet:
        issued = _issue(session, None, user, RESET, settings)
        changes.update(sent=True, link_id=issued.link.id, expires_at=issued.link.expires_at)
    elif quiet:
        changes["throttled"] = True
    record(
        session,
        None,
        "user.password_reset_request",
        "user",
        user.id if user is not None else None,
        changes,
    )
    session.flush()


# --- redeeming ---------------------------------------------------------------------------


def check_link(session: Session, purpose: str, raw: str | None) -> AuthLink:
    """The link if it can still be used; raises LinkUnusable (with the reason) otherwise."""
    return _find(session, purpose, raw, utcnow())


def redeem_link(session: Session, purpose: str, raw: str | None, password: str | None) -> User:
    """Set the user's password from a link, once; returns the user.

    The password policy is checked before the link is claimed, so a refused password does
    not use the link up. The claim is one conditional UPDATE; whoever loses a race gets
    LinkUnusable("used"). Every session of the user ends (whoever held one, the link's
    holder now owns the account) and their other open links stop working.

    API tokens: a reset revokes them all, as a password change does (SECURITY item 6): a
    reset is how an account is taken back after a password leaked, and a token minted by
    whoever had the password must not outlive it. Accepting an invitation keeps them: the
    account never had a usable password, so any token it has was minted deliberately for
    it by an operator (`crm create-token`) and no one else could have created one."""
    now = utcnow()
    link = _find(session, purpose, raw, now)
    user = link.user
    problems = services.password_problems(password, user.email)
    if problems:
        raise Invalid({"password": problems})
    new_hash = services.hash_password(password or "")  # slow: done before taking the row
    claimed: CursorResult[Any] = session.execute(  # type: ignore[assignment]
        update(AuthLink)
        .where(
            AuthLink.id == link.id,
            AuthLink.used_at.is_(None),
            AuthLink.revoked_at.is_(None),
            AuthLink.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise LinkUnusable("used", purpose)
    link_id = link.id
    session.expire(link)
    user.password_hash = new_hash
    services.end_all_sessions(session, user)
    if purpose == RESET:
        services.revoke_all_tokens(session, user)
    services.close_open_links(session, user, except_id=link_id)
    action = "user.invite_accept" if purpose == INVITE else "user.password_reset"
    record(session, user, action, "user", user.id, {"link_id": link_id, "via": "link"})
    session.flush()
    return user


def purge_links(session: Session, older_than_days: int = 30) -> int:
    """Delete links that expired more than N days ago (used or not): they can do nothing."""
    cutoff = utcnow() - timedelta(days=older_than_days)
    result: CursorResult[Any] = session.execute(  # type: ignore[assignment]
        delete(AuthLink).where(AuthLink.expires_at < cutoff)
    )
    return result.rowcount
