"""Account emails for the auth engine: invitations and password resets.

The auth engine sits below mail, so it cannot call the outbox; it sends `auth_link_issued`
and this receiver queues the email inside the same transaction, with one idempotency key per
link (`auth-link:<id>`). The link itself is only ever in the email's body.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from crm.auth.signals import auth_link_issued
from crm.common.timefmt import format_moment, viewer_zone
from crm.mail.models import OutboxMessage
from crm.mail.notifications import base_url, subject_line
from crm.mail.rendering import render_email
from crm.mail.services import enqueue

SUBJECTS = {
    "invite": "You are invited to Creator CRM",
    "reset": "Reset your Creator CRM password",
}


def _duration(delta: timedelta) -> str:
    minutes = round(delta.total_seconds() / 60)
    if minutes % (24 * 60) == 0:
        days = minutes // (24 * 60)
        return f"{days} day{'s' if days != 1 else ''}"
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{minutes} minutes"


def queue_link_email(
    user, *, session: Session, link, url: str, invited_by=None, **_extra
) -> OutboxMessage:
    inviter = getattr(invited_by, "name", None) if getattr(invited_by, "email", None) else None
    context = {
        "user": user,
        "url": url,
        "role": user.role,
        "invited_by": inviter,
        "valid_for": _duration(link.expires_at - link.created_at),
        "expires_at": (
            format_moment(link.expires_at, viewer_zone(user)) if link.expires_at else ""
        ),
        "base_url": base_url(),
    }
    template = f"email/account_{link.purpose}"
    return enqueue(
        session,
        to=user.email,
        subject=subject_line(SUBJECTS[link.purpose]),
        text=render_email(f"{template}.txt", **context),
        html=render_email(f"{template}.html", **context),
        kind=f"account_{link.purpose}",
        idempotency_key=f"auth-link:{link.id}",
    )


def connect() -> None:
    auth_link_issued.connect(queue_link_email)
