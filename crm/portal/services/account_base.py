"""What the portal account modules share: link purposes and paths, the settings read from
config, the errors, look-ups of accounts and memberships, and the failed-login throttle
count. Its own module so links, sessions and accounts can use it without importing each
other in a circle."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, ClassVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.auth.models import LoginAttempt
from crm.auth.services import hash_password, normalise_email
from crm.common.actor import CreatorActor
from crm.common.errors import DomainError
from crm.common.timeutil import utcnow
from crm.portal.models import (
    PortalAccount,
    PortalLink,
    PortalMembership,
)

INVITE = "invite"
LOGIN = "login"
RESET = "reset"
PATHS = {INVITE: "/portal/invite/", LOGIN: "/portal/link/", RESET: "/portal/reset/"}
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
    reset_minutes: int = 60
    reset_per_account: int = 3
    reset_per_address: int = 20
    reset_window_minutes: int = 60


def settings_from(config: Any) -> PortalSettings:
    """The portal follows the staff settings: link lifetimes, throttles and timeouts (the
    password-reset ones too, crm.auth.links)."""
    return PortalSettings(
        base_url=str(config.get("CRM_BASE_URL") or "").rstrip("/"),
        invite_days=int(config["AUTH_INVITE_LINK_DAYS"]),
        login_link_minutes=int(config["PORTAL_LOGIN_LINK_MINUTES"]),
        per_account=int(config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]),
        per_address=int(config["LOGIN_MAX_FAILURES_PER_ADDRESS"]),
        window_minutes=int(config["LOGIN_FAILURE_WINDOW_MINUTES"]),
        idle_minutes=int(config["SESSION_IDLE_MINUTES"]),
        absolute_hours=int(config["SESSION_ABSOLUTE_HOURS"]),
        reset_minutes=int(config["AUTH_RESET_LINK_MINUTES"]),
        reset_per_account=int(config["PASSWORD_RESET_MAX_PER_ACCOUNT"]),
        reset_per_address=int(config["PASSWORD_RESET_MAX_PER_ADDRESS"]),
        reset_window_minutes=int(config["PASSWORD_RESET_WINDOW_MINUTES"]),
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
