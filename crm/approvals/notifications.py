"""The email legal's decision sends to the person who submitted (built with the mail
engine); `email_decision` is connected to `decision_recorded` by `crm.approvals.register`."""

from __future__ import annotations

import hashlib

from sqlalchemy.orm import Session

from crm.auth.models import User
from crm.mail.models import OutboxMessage
from crm.mail.notifications import absolute_url, base_url, subject_line
from crm.mail.rendering import render_email
from crm.mail.services import enqueue

DECISION_LABELS = {
    "approve": "approved",
    "approved": "approved",
    "request_changes": "changes requested",
    "changes_requested": "changes requested",
    "reject": "rejected",
    "rejected": "rejected",
}


def email_decision(submission, *, session: Session, decision, **_kwargs) -> None:
    """Receiver of `decision_recorded`: every decision is emailed to the submitter."""
    if submission.submitted_by is None:
        return
    submitter = session.get(User, submission.submitted_by)
    reviewer = session.get(User, decision.reviewer_id) if decision.reviewer_id else None
    notify_decision(
        session,
        submission.id,
        submitter,
        decision.decision,
        decision.comment,
        f"/submissions/{submission.id}",
        decision_id=decision.id,
        title=submission.title,
        reviewer_name=reviewer.name if reviewer else None,
    )


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
        "url": absolute_url(url),
        "title": name,
        "reviewer_name": reviewer_name,
        "base_url": base_url(),
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
