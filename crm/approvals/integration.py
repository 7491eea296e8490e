"""Where approvals meets the other domains, wired once by `connect()` from `register(app)`.

- Reminders (R7): legal's "request changes" becomes a task for the submitter; the daily scan
  raises tasks for submissions waiting for review more than 2 working days and for those
  planned within 3 days and not approved.
- Mail: every decision is emailed to the submitter.
- Agreements (R4): when a product's public date moves later, approved submissions naming it
  return to review.
Each hook runs inside the transaction of the change that triggers it.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.approvals import services
from crm.approvals.models import Submission
from crm.auth.models import User
from crm.common.timeutil import org_today
from crm.creators.models import Creator


def _has(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def remind_submitter_of_changes(session: Session, submission: Submission, decision) -> None:
    from crm.reminders.services import remind

    remind(
        session,
        assignee_id=submission.submitted_by,
        title=f"Legal asked for changes to “{submission.title}”",
        due_on=org_today(),
        creator_id=submission.creator_id,
        subject=("submission", submission.id),
        rule="changes-requested",
        dedupe_key=f"changes-requested:{submission.id}:{decision.id}",
    )


def email_decision(session: Session, submission: Submission, decision) -> None:
    from crm.mail.notifications import notify_decision

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


def release_moved(session: Session, product, before, after) -> None:
    services.on_product_release_moved(session, product, before, after)


def review_waiting(session: Session, ctx) -> Iterable:
    """Submissions in review for more than 2 working days (R7)."""
    from crm.reminders.rules import REVIEW_WAIT_WORKING_DAYS, Candidate, working_days_between

    # More than 2 working days means at least 3 calendar days: filter in SQL, count here.
    rows = session.execute(
        select(
            Submission.id, Submission.creator_id, Submission.in_review_since, Creator.display_name
        )
        .join(Creator, Creator.id == Submission.creator_id)
        .where(
            Creator.archived.is_(False),
            Submission.status == "in_review",
            Submission.in_review_since < ctx.day_start(ctx.today - timedelta(days=2)),
        )
    )
    for row in rows:
        since = ctx.local_date(row.in_review_since)
        if working_days_between(since, ctx.today) <= REVIEW_WAIT_WORKING_DAYS:
            continue
        yield Candidate(
            rule="submission-review-waiting",
            dedupe_key=f"submission-review-waiting:{row.id}:{since.isoformat()}",
            title=f"Submission by {row.display_name} waiting for review since {since}",
            due_on=ctx.today,
            creator_id=row.creator_id,
            subject_type="submission",
            subject_id=row.id,
        )


def planned_unapproved(session: Session, ctx) -> Iterable:
    """Submissions planned within 3 days that are not approved yet (R7)."""
    from crm.reminders.rules import PLANNED_WINDOW, Candidate

    rows = session.execute(
        select(Submission.id, Submission.creator_id, Submission.planned_for, Creator.display_name)
        .join(Creator, Creator.id == Submission.creator_id)
        .where(
            Creator.archived.is_(False),
            Submission.status.in_(("draft", "in_review", "changes_requested")),
            Submission.planned_for >= ctx.day_start(ctx.today),
            Submission.planned_for < ctx.day_start(ctx.today + timedelta(days=PLANNED_WINDOW + 1)),
        )
    )
    for row in rows:
        planned = ctx.local_date(row.planned_for)
        yield Candidate(
            rule="submission-planned-unapproved",
            dedupe_key=f"submission-planned-unapproved:{row.id}:{planned.isoformat()}",
            title=f"Submission by {row.display_name} planned for {planned} is not approved",
            due_on=ctx.today,
            creator_id=row.creator_id,
            subject_type="submission",
            subject_id=row.id,
        )


def _add(hooks: list, hook) -> None:
    if hook not in hooks:
        hooks.append(hook)


def connect() -> None:
    """Plug into the domains that are installed; safe to call once per app."""
    if _has("crm.reminders"):
        from crm.reminders.rules import register_rule

        _add(services.on_changes_requested, remind_submitter_of_changes)
        register_rule(name="submission-review-waiting")(review_waiting)
        register_rule(name="submission-planned-unapproved")(planned_unapproved)
    if _has("crm.mail"):
        _add(services.on_decided, email_decision)
    if _has("crm.agreements"):
        from crm.agreements import services as agreements

        _add(agreements.on_public_on_changed, release_moved)
