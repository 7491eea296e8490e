"""Emails other domains trigger on events. Each hook only enqueues (inside the caller's
transaction, so the email exists exactly when the change committed) with a deterministic
idempotency key, so calling a hook twice for the same event never sends twice.

Hooks:
- `notify_decision(session, submission_id, submitter, decision, comment, url, ...)`:
  legal decided on a submission; tells the person who submitted it.
- `notify_reminder_assigned(session, reminder_like, ...)`: someone assigned a reminder
  to another person; tells the assignee.

`url` arguments may be absolute or a path ("/submissions/7"): paths are joined to
`CRM_BASE_URL` (an app context is needed for that, as in views, jobs and CLI commands).
"""

from __future__ import annotations

import hashlib
import unicodedata
from datetime import date

from sqlalchemy.orm import Session

from crm.mail.models import OutboxMessage
from crm.mail.rendering import current_links, render_email
from crm.mail.services import enqueue

DECISION_LABELS = {
    "approve": "approved",
    "approved": "approved",
    "request_changes": "changes requested",
    "changes_requested": "changes requested",
    "reject": "rejected",
    "rejected": "rejected",
}


def subject_line(text: str, limit: int = 300) -> str:
    """A one-line subject from user text (titles, names): control and line-separator
    characters become spaces, so a title with a CR/LF queues a clean email instead of
    making `enqueue` refuse the header (which would fail the action that sent it)."""
    cleaned = "".join(
        " " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in text or ""
    )
    return " ".join(cleaned.split())[:limit]


def _absolute(url: str | None) -> str | None:
    if not url:
        return None
    links = current_links()
    return links.absolute(url) if links else url


def _base_url() -> str | None:
    links = current_links()
    return links.base_url if links and links.base_url else None


def notify_decision(
    session: Session,
    submission_id: int,
    submitter,
    decision: str,
    comment: str | None,
    url: str | None,
    *,
    decision_id: int | None = None,
    title: str | None = None,
    reviewer_name: str | None = None,
) -> OutboxMessage | None:
    """Tell the submitter that legal approved, rejected or asked for changes.

    Pass `decision_id` (the Decision row's id): it makes the key exact, one email per
    decision. Without it the key falls back to submission + decision + comment.
    Returns None (nothing queued) when the submitter has no address or is deactivated.
    """
    if submitter is None or not getattr(submitter, "email", None):
        return None
    if not getattr(submitter, "active", True):
        return None
    label = DECISION_LABELS.get(decision, decision.replace("_", " "))
    if decision_id is not None:
        key = f"decision:{submission_id}:{decision_id}"
    else:
        digest = hashlib.sha256(f"{decision}\0{comment or ''}".encode()).hexdigest()[:16]
        key = f"decision:{submission_id}:{decision}:{digest}"
    name = title or f"Submission #{submission_id}"
    context = {
        "submitter": submitter,
        "decision": decision,
        "label": label,
        "comment": (comment or "").strip(),
        "url": _absolute(url),
        "title": name,
        "reviewer_name": reviewer_name,
        "base_url": _base_url(),
    }
    return enqueue(
        session,
        to=submitter.email,
        subject=subject_line(f"{name}: {label}"),
        text=render_email("email/decision.txt", **context),
        html=render_email("email/decision.html", **context),
        kind="decision",
        idempotency_key=key,
    )


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
    from crm.auth.models import User

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
    links = current_links()
    if url is None and links is not None:
        url = links("reminders.index")
    due_on: date | None = getattr(reminder_like, "due_on", None)
    context = {
        "assignee": assignee,
        "title": reminder_like.title,
        "due_on": due_on.isoformat() if due_on else None,
        "assigned_by": getattr(assigned_by, "name", None),
        "url": _absolute(url),
        "base_url": _base_url(),
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
