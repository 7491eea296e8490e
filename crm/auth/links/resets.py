"""Password-reset requests ("Forgot your password?"): a link for an active user's address,
the same answer whatever the address, and the throttles that keep it from flooding an inbox."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from crm.audit.services import record
from crm.auth import services
from crm.auth.links.addresses import email_problems
from crm.auth.links.store import RESET, LinkSettings, _issue
from crm.auth.models import LoginAttempt
from crm.common.errors import Invalid, TooManyRequests


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
