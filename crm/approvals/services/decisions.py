"""Decisions (R5): only legal, never on their own submission, only on the latest revision."""

from __future__ import annotations

from sqlalchemy import exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crm.approvals.models import DECISIONS, Decision, Revision, RevisionProduct, Submission
from crm.approvals.services.common import get_submission, write_history
from crm.approvals.services.states import next_status
from crm.approvals.signals import decision_recorded
from crm.audit.services import record
from crm.common.actor import Actor
from crm.common.clearance import hidden_for
from crm.common.errors import Conflict, FieldErrors, Forbidden, Invalid
from crm.common.labels import phrase
from crm.common.permissions import LEGAL
from crm.db import rowcount, utcnow


def is_own_submission(session: Session, actor: Actor, submission: Submission) -> bool:
    """R5: the actor submitted this submission or one of its revisions."""
    if submission.submitted_by == actor.id:
        return True
    if "revisions" in submission.__dict__:  # already loaded (the review page): no query
        return any(r.submitted_by == actor.id for r in submission.revisions)
    own_revision = exists().where(
        Revision.submission_id == submission.id, Revision.submitted_by == actor.id
    )
    return bool(session.scalar(select(own_revision)))


def names_hidden_product(session: Session, actor: Actor, revision_id: int | None) -> bool:
    """The revision names a product the actor is not cleared for: reviewing it needs
    clearance (legal is cleared by default; an admin may have turned that off)."""
    hidden = hidden_for(session, actor).ids
    if not hidden or revision_id is None:
        return False
    named = select(RevisionProduct.product_id).where(RevisionProduct.revision_id == revision_id)
    return any(pid in hidden for pid in session.scalars(named))


def _latest_revision_id(session: Session, submission: Submission) -> int | None:
    return session.scalar(
        select(Revision.id).where(
            Revision.submission_id == submission.id,
            Revision.number == submission.latest_revision,
        )
    )


def may_decide(session: Session, actor: Actor, submission: Submission) -> bool:
    """Whether `decide` hears this actor on this submission now (R5): legal, not their own
    submission, the submission in review, and cleared for every product its latest revision
    names. The review page asks before showing the form."""
    return (
        getattr(actor, "role", None) == LEGAL
        and submission.status == "in_review"
        and not is_own_submission(session, actor, submission)
        and not (
            hidden_for(session, actor)
            and names_hidden_product(session, actor, _latest_revision_id(session, submission))
        )
    )


def decide(
    session: Session,
    actor: Actor,
    submission_id: int,
    revision_number: int,
    decision: str,
    comment: str = "",
) -> Decision:
    """R5: only legal, never on their own submission, only on the latest revision.

    The status change is one conditional UPDATE (status in_review, this revision still the
    latest, this review round): of two reviewers deciding at once, exactly one matches the
    row; the other gets Conflict. The unique (submission_id, review_round) is the backstop.
    """
    if getattr(actor, "role", None) != LEGAL:
        raise Forbidden("Only legal decides on submissions.")
    errors = FieldErrors()
    if decision not in DECISIONS:
        errors.add("decision", f"must be one of {', '.join(DECISIONS)}")
    comment = (comment or "").strip()
    if decision != "approve" and not comment:
        errors.add("comment", "is required to request changes or to reject")
    if len(comment) > 5000:
        errors.add("comment", "must be at most 5000 characters")
    errors.raise_if_any()
    submission = get_submission(session, submission_id)
    if is_own_submission(session, actor, submission):
        raise Forbidden("You cannot decide on a submission you submitted.")
    revision = session.scalar(
        select(Revision).where(
            Revision.submission_id == submission.id, Revision.number == revision_number
        )
    )
    if revision is None:
        raise Invalid({"revision": [f"this submission has no revision {revision_number}"]})
    if names_hidden_product(session, actor, revision.id):
        raise Forbidden("Reviewing this submission needs clearance for a restricted product.")
    stale = Conflict(
        f"Revision {revision_number} is no longer under review: the submission is now "
        f"{phrase(submission.status, 'submission_status')} with revision "
        f"{submission.latest_revision} "
        "as the latest. Nothing was recorded; reload and review the latest revision."
    )
    if revision_number != submission.latest_revision:
        raise stale
    before = submission.status
    after = next_status(before, decision) if before == "in_review" else None
    if after is None:
        raise stale
    round_ = submission.review_round
    result = session.execute(
        update(Submission)
        .where(
            Submission.id == submission.id,
            Submission.status == "in_review",
            Submission.latest_revision == revision_number,
            Submission.review_round == round_,
        )
        .values(
            status=after,
            decided_revision=revision_number,
            in_review_since=None,
            updated_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
    if rowcount(result) != 1:
        raise Conflict(
            f"Revision {revision_number} was decided or replaced a moment ago by someone "
            "else. Nothing was recorded; reload to see the current state."
        )
    row = Decision(
        submission_id=submission.id,
        review_round=round_,
        revision_number=revision_number,
        content_hash=revision.content_hash,
        decision=decision,
        comment=comment,
        reviewer_id=actor.id,
        decided_at=utcnow(),
    )
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(
            f"Revision {revision_number} already has a decision. Nothing was recorded."
        ) from None
    session.refresh(submission)
    write_history(session, actor, submission, decision, before, after, revision_number, comment)
    record(
        session,
        actor,
        f"decision.{decision}",
        "decision",
        row.id,
        {"submission_id": submission.id, "revision": revision_number, "hash": row.content_hash},
    )
    session.flush()
    decision_recorded.send(submission, session=session, actor=actor, decision=row)
    return row
