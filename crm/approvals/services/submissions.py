"""Submissions: a new one with its first revision, submitting it, withdrawing it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from crm.agreements.models import Deal
from crm.approvals.models import Submission
from crm.approvals.services.audience import clean_countries
from crm.approvals.services.common import require_editor, write_history
from crm.approvals.services.revisions import (
    RevisionInput,
    check_revision_input,
    insert_revision,
)
from crm.approvals.services.states import next_status
from crm.common.actor import Actor, acts_for_creator
from crm.common.errors import Conflict, FieldErrors
from crm.creators.models import PLATFORMS, Creator
from crm.db import rowcount, utcnow


def create_submission(
    session: Session,
    actor: Actor,
    *,
    creator_id: int,
    platform: str,
    title: str,
    planned_for: datetime | None,
    revision: RevisionInput,
    deal_id: int | None = None,
    is_video: bool = False,
    submit: bool = True,
    today: date | None = None,
    tz: str | None = None,
    audience_countries: Iterable[str] | None = None,
) -> Submission:
    """A submission with its first revision; submitted for review at once unless a draft."""
    require_editor(actor, creator_id)
    errors = FieldErrors()
    creator = session.get(Creator, creator_id) if creator_id else None
    if creator is None or creator.archived:
        errors.add("creator_id", "choose an existing, not archived creator")
    if deal_id is not None:
        deal = session.get(Deal, deal_id)
        if deal is None or (creator is not None and deal.creator_id != creator.id):
            errors.add("deal_id", "must be one of this creator's deals")
    if platform not in PLATFORMS:
        errors.add("platform", f"must be one of {', '.join(PLATFORMS)}")
    title = " ".join((title or "").split())
    if not title:
        errors.add("title", "is required")
    elif len(title) > 200:
        errors.add("title", "must be at most 200 characters")
    if planned_for is None:
        errors.add("planned_for", "is required")
    elif planned_for.tzinfo is None:
        errors.add("planned_for", "must include a time zone")
    data = check_revision_input(revision, errors)
    audience = clean_countries(audience_countries, "audience_countries", errors)
    errors.raise_if_any()
    assert planned_for is not None  # refused above otherwise

    submission = Submission(
        creator_id=creator_id,
        deal_id=deal_id,
        platform=platform,
        title=title,
        planned_for=planned_for.astimezone(UTC),
        is_video=bool(is_video),
        status="draft",
        submitted_by=actor.id,
        by_creator=acts_for_creator(actor, creator_id),
        latest_revision=0,
        review_round=0,
        failed_checks=0,
        audience_countries=audience,
    )
    session.add(submission)
    session.flush()
    write_history(session, actor, submission, "create", None, "draft", 1)
    insert_revision(session, actor, submission, 1, data, today=today, tz=tz)
    submission.latest_revision = 1
    session.flush()
    if submit:
        submit_for_review(session, actor, submission)
    return submission


def submit_for_review(session: Session, actor: Actor, submission: Submission) -> Submission:
    require_editor(actor, submission.creator_id)
    before = submission.status
    after = next_status(before, "submit")
    submission.status = after
    submission.review_round += 1
    submission.in_review_since = utcnow()
    submission.decided_revision = None
    write_history(session, actor, submission, "submit", before, after, submission.latest_revision)
    session.flush()
    return submission


def withdraw(session: Session, actor: Actor, submission: Submission, note: str = "") -> Submission:
    require_editor(actor, submission.creator_id)
    before = submission.status
    after = next_status(before, "withdraw")
    result = session.execute(
        update(Submission)
        .where(Submission.id == submission.id, Submission.status == before)
        .values(status=after, in_review_since=None, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if rowcount(result) != 1:
        raise Conflict("The submission changed meanwhile; reload it and try again.")
    session.refresh(submission)
    note = (note or "").strip()[:2000]
    write_history(
        session, actor, submission, "withdraw", before, after, submission.latest_revision, note
    )
    session.flush()
    return submission
