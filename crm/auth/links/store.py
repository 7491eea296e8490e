"""How a link is made, stored, found and forgotten: its kinds and paths, its settings, the
reasons it can be unusable, issuing (which replaces the user's open link of the same kind and
sends `auth_link_issued`), looking a raw token up, and the purge.

The flows that use links (invitations, reset requests, redeeming) are the sibling modules;
they all build on this one, so it knows none of them."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar

from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.orm import Session

from crm.auth import services
from crm.auth.models import AuthLink, User
from crm.auth.signals import auth_link_issued
from crm.common.actor import Actor
from crm.common.errors import DomainError
from crm.common.timeutil import utcnow

INVITE = "invite"


RESET = "reset"


PURPOSES = (INVITE, RESET)


#: The path of each kind of link; the recovery pages' routes are built from the same strings.
PATHS = {INVITE: "/account/invite/", RESET: "/account/reset/"}


_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{32,128}$")


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


def purge_links(session: Session, older_than_days: int = 30) -> int:
    """Delete links that expired more than N days ago (used or not): they can do nothing."""
    cutoff = utcnow() - timedelta(days=older_than_days)
    result: CursorResult[Any] = session.execute(  # type: ignore[assignment]
        delete(AuthLink).where(AuthLink.expires_at < cutoff)
    )
    return result.rowcount
