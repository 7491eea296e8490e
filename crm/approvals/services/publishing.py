"""Publishing: the latest approved revision (R5), never before a named product's release (R4)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from crm.agreements.models import Product
from crm.approvals.models import Revision, RevisionProduct, Submission
from crm.approvals.services.common import require_editor, valid_url, write_history
from crm.approvals.services.states import next_status
from crm.common.actor import Actor
from crm.common.clearance import unfiltered
from crm.common.errors import Conflict, Invalid
from crm.common.timeutil import org_today
from crm.db import rowcount, utcnow


def embargoed_products(session: Session, submission: Submission, today: date) -> list[Product]:
    """Products the latest revision names that are not public on `today` (R4)."""
    return list(
        session.scalars(
            select(Product)
            .join(RevisionProduct, RevisionProduct.product_id == Product.id)
            .join(Revision, Revision.id == RevisionProduct.revision_id)
            .where(
                Revision.submission_id == submission.id,
                Revision.number == submission.latest_revision,
                or_(Product.public_on.is_(None), Product.public_on > today),
            )
            .order_by(Product.name),
            # The embargo holds whoever publishes (R4), cleared for the product or not.
            execution_options=unfiltered(),
        )
    )


def publish(
    session: Session,
    actor: Actor,
    submission: Submission,
    published_url: str,
    *,
    today: date | None = None,
) -> Submission:
    """R5: only the latest approved revision; R4: not before a named product's release."""
    require_editor(actor)
    before = submission.status
    after = next_status(before, "publish")
    url = (published_url or "").strip()
    if not url or len(url) > 500 or not valid_url(url):
        raise Invalid({"published_url": ["must be the http(s) address of the published post"]})
    if submission.decided_revision != submission.latest_revision:
        raise Conflict("Only the latest approved revision may be published.")
    today = today or org_today()
    blocked = embargoed_products(session, submission, today)
    if blocked:
        names = "; ".join(
            f"{p.name} is public on {p.public_on.isoformat()}"
            if p.public_on
            else f"{p.name} has no public date yet"
            for p in blocked
        )
        raise Conflict(f"Embargo: the approved revision names unreleased products ({names}).")
    result = session.execute(
        update(Submission)
        .where(
            Submission.id == submission.id,
            Submission.status == "approved",
            Submission.latest_revision == submission.latest_revision,
        )
        .values(status=after, published_url=url, published_at=utcnow(), updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if rowcount(result) != 1:
        raise Conflict("The submission changed meanwhile; reload it and try again.")
    session.refresh(submission)
    write_history(
        session, actor, submission, "publish", before, after, submission.latest_revision, url
    )
    session.flush()
    return submission
