"""Logging in with a password, and the throttles in front of it (per account and per network
address), counted in `login_attempts`. Password-reset requests (crm.auth.links) reuse the
same counting with kind "reset"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import InstrumentedAttribute, Session
from werkzeug.security import check_password_hash, generate_password_hash

from crm.audit.services import record
from crm.auth.models import LoginAttempt, User
from crm.auth.services._common import normalise_email
from crm.auth.services.users import find_user_by_email
from crm.common.errors import TooManyRequests
from crm.common.timeutil import utcnow
from crm.db import rowcount

# A hash checked when the account does not exist, so both failures take the same time.
_DUMMY_HASH = generate_password_hash("not-a-real-password-at-all")


@dataclass
class ThrottleSettings:
    per_account: int = 5
    per_address: int = 20
    window_minutes: int = 15


class LoginFailed(Exception):
    """Unknown user and wrong password look the same to the caller."""

    message = "Email or password is incorrect."


def _retry_after(
    session: Session,
    column: InstrumentedAttribute[str],
    value: str,
    limit: int,
    window: timedelta,
    kind: str = "login",
) -> int | None:
    """Seconds to wait when `limit` failed attempts of this kind share `value` within
    `window`, else None. Password-reset requests count with kind="reset"."""
    since = utcnow() - window
    rows = session.scalars(
        select(LoginAttempt.at)
        .where(
            column == value,
            LoginAttempt.kind == kind,
            LoginAttempt.succeeded.is_(False),
            LoginAttempt.at >= since,
        )
        .order_by(LoginAttempt.at.desc())
        .limit(limit)
    ).all()
    if len(rows) < limit:
        return None
    oldest = rows[-1]
    return max(1, int((oldest + window - utcnow()).total_seconds()) + 1)


def authenticate(
    session: Session,
    email: str,
    password: str,
    ip: str,
    settings: ThrottleSettings,
    known_device_user_id: int | None = None,
) -> User:
    """Check throttles, then the password. Raises TooManyRequests or LoginFailed.

    `known_device_user_id` is the user a device cookie names (crm.auth.devices): the
    per-account lock does not refuse that user's own device; the per-address limit does.
    The caller commits even on failure: the attempt row is the throttle's memory."""
    email = normalise_email(email)[:254]
    ip = (ip or "unknown")[:64]
    window = timedelta(minutes=settings.window_minutes)
    wait = _retry_after(session, LoginAttempt.email, email, settings.per_account, window)
    if wait and known_device_user_id is not None:
        holder = find_user_by_email(session, email)
        if holder is not None and holder.id == known_device_user_id:
            wait = 0
    wait = wait or _retry_after(session, LoginAttempt.ip, ip, settings.per_address, window)
    if wait:
        raise TooManyRequests("Too many failed logins. Try again later.", retry_after=wait)
    user = find_user_by_email(session, email)
    valid = check_password_hash(user.password_hash if user else _DUMMY_HASH, password or "")
    if not (user and valid and user.active):
        session.add(LoginAttempt(email=email, ip=ip, succeeded=False))
        record(
            session,
            None,
            "login.failure",
            "user",
            user.id if user else None,
            {"email": email, "ip": ip},
        )
        session.flush()
        raise LoginFailed()
    session.add(LoginAttempt(email=email, ip=ip, succeeded=True))
    user.last_login_at = utcnow()
    record(session, user, "login.success", "user", user.id, {"ip": ip})
    session.flush()
    return user


def purge_login_attempts(session: Session, older_than_days: int = 30) -> int:
    cutoff = utcnow() - timedelta(days=older_than_days)
    return rowcount(session.execute(delete(LoginAttempt).where(LoginAttempt.at < cutoff)))
