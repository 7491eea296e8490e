"""R4: approved submissions back to review when a named product's release moves later.

``on_product_release_moved(session, product, old, new)``: approvals connects it to the
agreements' `release_moved` signal (crm/approvals/receivers.py).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from crm.agreements.models import Product
from crm.approvals.models import Revision, RevisionProduct, Submission
from crm.approvals.services.checking import run_revision_checks
from crm.approvals.services.common import write_history
from crm.approvals.services.settings import load_settings
from crm.approvals.services.states import next_status
from crm.audit.services import system_actor
from crm.common.actor import Actor
from crm.common.timeutil import org_today
from crm.db import utcnow


def on_product_release_moved(
    session: Session,
    product: Product,
    old: date | None,
    new: date | None,
    *,
    actor: Actor | None = None,
    today: date | None = None,
    tz: str | None = None,
) -> list[Submission]:
    """R4: after a product's `public_on` changed (the agreements' `release_moved` signal).

    When the date moved later (or was cleared), approved submissions whose latest revision
    names the product and that are planned before the new date go back to in_review, with
    their checks re-run (so legal sees the embargo flag). Returns those submissions.
    """
    later = (old is not None and new is None) or (old is not None and new is not None and new > old)
    if not later:
        return []
    actor = actor or system_actor("product-release-moved")
    stmt = (
        select(Submission)
        .join(
            Revision,
            and_(
                Revision.submission_id == Submission.id,
                Revision.number == Submission.latest_revision,
            ),
        )
        .join(RevisionProduct, RevisionProduct.revision_id == Revision.id)
        .where(Submission.status == "approved", RevisionProduct.product_id == product.id)
        .order_by(Submission.id)
    )
    if new is not None:
        stmt = stmt.where(Submission.planned_for < datetime.combine(new, time(), UTC))
    reopened: list[Submission] = []
    settings = load_settings(session)
    for submission in session.scalars(stmt).all():
        before = submission.status
        after = next_status(before, "reopen")
        submission.status = after
        submission.review_round += 1
        submission.decided_revision = None
        submission.in_review_since = utcnow()
        note = (
            f"{product.name} is now public on {new.isoformat()}"
            if new
            else f"{product.name} no longer has a public date"
        )
        write_history(
            session, actor, submission, "reopen", before, after, submission.latest_revision, note
        )
        revision = session.scalar(
            select(Revision).where(
                Revision.submission_id == submission.id,
                Revision.number == submission.latest_revision,
            )
        )
        assert revision is not None  # the query above joined the latest revision
        run_revision_checks(
            session,
            submission,
            revision,
            today=today or org_today(),
            tz=tz,
            settings=settings,
        )
        reopened.append(submission)
    session.flush()
    return reopened
