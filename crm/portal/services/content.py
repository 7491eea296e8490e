"""What a creator does with their content in the portal: submissions and feedback.

Each call checks that the record is the creator's own (anything else is "not found") and
then calls the owning domain's service with the creator as actor, so R3–R5 apply exactly
as for staff. What a creator reads is chosen here: decisions with their comment, checks in
plain words; never status-change notes, reviewer names or triage notes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from crm.agreements.models import Grant, Product
from crm.approvals.models import Decision, Revision, RevisionCheck, Submission
from crm.approvals.services import (
    RevisionInput,
    add_revision,
    create_submission,
    submit_for_review,
)
from crm.common.actor import CreatorActor
from crm.common.errors import FieldErrors, NotFound
from crm.feedback.models import Feedback
from crm.feedback.services import create_feedback
from crm.portal.services import activity

LIST_LIMIT = 200

#: The headline a creator reads above a check's own message, by the check's code.
PLAIN_TITLES = (
    ("disclosure_", "Ad disclosure"),
    ("ai_label", "AI-content label"),
    ("embargo", "Publication date"),
    ("planned", "Publication date"),
    ("leak", "Names a product that is not public yet"),
    ("product", "Names a product that is not public yet"),
)


def plain_title(code: str) -> str:
    for prefix, title in PLAIN_TITLES:
        if code.startswith(prefix):
            return title
    return "Check"


# --- submissions -------------------------------------------------------------------------


def own_submissions(session: Session, creator_id: int) -> list[Submission]:
    return list(
        session.scalars(
            select(Submission)
            .where(Submission.creator_id == creator_id)
            .order_by(Submission.id.desc())
            .limit(LIST_LIMIT)
        )
    )


def own_submission(session: Session, creator_id: int, submission_id: int) -> Submission:
    submission = session.get(Submission, submission_id)
    if submission is None or submission.creator_id != creator_id:
        raise NotFound("No such submission.")
    return submission


@dataclass
class SubmissionView:
    submission: Submission
    revisions: list[Revision]
    checks: dict[int, list[RevisionCheck]]
    decisions: list[Decision]


def submission_view(session: Session, creator_id: int, submission_id: int) -> SubmissionView:
    submission = own_submission(session, creator_id, submission_id)
    revisions = list(
        session.scalars(
            select(Revision)
            .where(Revision.submission_id == submission.id)
            .options(selectinload(Revision.checks))
            .order_by(Revision.number.desc())
        )
    )
    decisions = list(
        session.scalars(
            select(Decision)
            .where(Decision.submission_id == submission.id)
            .order_by(Decision.decided_at.desc(), Decision.id.desc())
        )
    )
    return SubmissionView(
        submission, revisions, {r.number: list(r.checks) for r in revisions}, decisions
    )


def create_draft(
    session: Session,
    actor: CreatorActor,
    *,
    platform: str,
    title: str,
    planned_for: datetime | None,
    revision: RevisionInput,
    is_video: bool,
    tz: str | None,
) -> Submission:
    submission = create_submission(
        session,
        actor,
        creator_id=actor.creator_id,
        platform=platform,
        title=title,
        planned_for=planned_for,
        revision=revision,
        is_video=is_video,
        submit=False,
        tz=tz,
    )
    activity.note(
        session, actor, "submission.create", f"drafted “{submission.title}”",
        "submission", submission.id,
    )  # fmt: skip
    return submission


def submit(session: Session, actor: CreatorActor, submission: Submission) -> Submission:
    own_submission(session, actor.creator_id, submission.id)
    submit_for_review(session, actor, submission)
    activity.note(
        session, actor, "submission.submit", f"sent “{submission.title}” for review",
        "submission", submission.id,
    )  # fmt: skip
    return submission


def revise(
    session: Session, actor: CreatorActor, submission: Submission, revision: RevisionInput,
    tz: str | None,
) -> Revision:  # fmt: skip
    own_submission(session, actor.creator_id, submission.id)
    new = add_revision(session, actor, submission, revision, tz=tz)
    activity.note(
        session, actor, "submission.revise",
        f"added revision {new.number} of “{submission.title}”", "submission", submission.id,
    )  # fmt: skip
    return new


# --- feedback ----------------------------------------------------------------------------


def reportable_products(session: Session, creator_id: int, today: date) -> list[Product]:
    """Products a creator may name: those they were given access to, and released ones.
    Unreleased products they never had access to stay unknown to them."""
    granted = select(Grant.product_id).where(Grant.creator_id == creator_id)
    return list(
        session.scalars(
            select(Product)
            .where(
                or_(
                    Product.id.in_(granted),
                    Product.public_on.is_not(None) & (Product.public_on <= today),
                )
            )
            .order_by(Product.name)
            .limit(LIST_LIMIT)
        )
    )


def own_feedback(session: Session, creator_id: int) -> list[Feedback]:
    return list(
        session.scalars(
            select(Feedback)
            .where(Feedback.creator_id == creator_id)
            .options(selectinload(Feedback.product))
            .order_by(Feedback.id.desc())
            .limit(LIST_LIMIT)
        )
    )


def report_feedback(
    session: Session,
    actor: CreatorActor,
    *,
    product_id: int | None,
    category: str,
    severity: str,
    title: str,
    body: str,
    reproduction: str,
    today: date,
    products: Sequence[Product] | None = None,
) -> Feedback:
    allowed = {p.id for p in (products or reportable_products(session, actor.creator_id, today))}
    if product_id not in allowed:
        errors = FieldErrors()
        errors.add("product_id", "choose one of the products listed")
        errors.raise_if_any()
    note = create_feedback(
        session,
        actor,
        creator_id=actor.creator_id,
        product_id=product_id or 0,
        category=category,
        severity=severity,
        title=title,
        body=body,
        reproduction=reproduction,
    )
    activity.note(
        session, actor, "feedback.create", f"reported “{note.title}”", "feedback", note.id
    )
    return note
