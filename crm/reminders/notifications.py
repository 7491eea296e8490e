"""The email a user gets when someone assigns them a task (built with the mail engine)."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from crm.auth.models import User
from crm.mail.models import OutboxMessage
from crm.mail.notifications import absolute_url, base_url, page_url, subject_line
from crm.mail.rendering import render_email
from crm.mail.services import enqueue


def email_assignee(session: Session, reminder) -> OutboxMessage | None:
    """Someone assigned `reminder` to another user: email them (see below)."""
    assigned_by = session.get(User, reminder.created_by_id) if reminder.created_by_id else None
    return notify_reminder_assigned(session, reminder, assigned_by=assigned_by)


def notify_reminder_assigned(
    session: Session,
    reminder_like,
    *,
    assigned_by=None,
    url: str | None = None,
) -> OutboxMessage | None:
    """Tell the assignee that someone gave them a reminder.

    `reminder_like` needs `id`, `title`, `due_on` and `assignee_id` (or `assignee`).
    Nothing is queued when people assign themselves (`assigned_by` is the assignee), or
    when the assignee is missing or deactivated. One email per reminder and assignee:
    reassigning to someone else emails them; the key is `reminder-assigned:{id}:{user}`.
    """
    # Prefer the id: an ORM row's `assignee` relationship may not be loadable (lazy="raise").
    assignee_id = getattr(reminder_like, "assignee_id", None)
    if assignee_id is not None:
        assignee = session.get(User, assignee_id)
    else:
        assignee = getattr(reminder_like, "assignee", None)
    if assignee is None or not assignee.active or not assignee.email:
        return None
    if assigned_by is not None and getattr(assigned_by, "id", None) == assignee.id:
        return None
    if url is None:
        url = page_url("reminders.index")
    due_on: date | None = getattr(reminder_like, "due_on", None)
    context = {
        "assignee": assignee,
        "title": reminder_like.title,
        "due_on": due_on.isoformat() if due_on else None,
        "assigned_by": getattr(assigned_by, "name", None),
        "url": absolute_url(url),
        "base_url": base_url(),
    }
    return enqueue(
        session,
        to=assignee.email,
        subject=subject_line(f"New task for you: {reminder_like.title}"),
        text=render_email("email/reminder_assigned.txt", **context),
        html=render_email("email/reminder_assigned.html", **context),
        kind="reminder_assigned",
        idempotency_key=f"reminder-assigned:{reminder_like.id}:{assignee.id}",
    )
