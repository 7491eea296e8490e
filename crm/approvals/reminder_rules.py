"""The approvals' R7 rules for the daily scan (registered by `crm.approvals.register`):
submissions waiting for review more than 2 working days, and submissions planned within 3
days that are not approved. Each task goes to the creator's owner (an admin when there is
none); archived creators raise nothing."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.approvals.models import Submission
from crm.common.registry import ReminderRule
from crm.creators.models import Creator
from crm.reminders.rules import Candidate, ScanContext, working_days_between

REVIEW_WAIT_WORKING_DAYS = 2
PLANNED_WINDOW = 3


def review_waiting(session: Session, ctx: ScanContext) -> Iterable[Candidate]:
    """Submissions in review for more than 2 working days (R7)."""
    # More than 2 working days means at least 3 calendar days: filter in SQL, count here.
    rows = session.execute(
        select(
            Submission.id,
            Submission.creator_id,
            Submission.in_review_since,
            Creator.display_name,
            Creator.owner_id,
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
            assignee_id=row.owner_id,
        )


def planned_unapproved(session: Session, ctx: ScanContext) -> Iterable[Candidate]:
    """Submissions planned within 3 days that are not approved yet (R7)."""
    rows = session.execute(
        select(
            Submission.id,
            Submission.creator_id,
            Submission.planned_for,
            Creator.display_name,
            Creator.owner_id,
        )
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
            assignee_id=row.owner_id,
        )


RULES = (
    ReminderRule("submission-review-waiting", review_waiting),
    ReminderRule("submission-planned-unapproved", planned_unapproved),
)
