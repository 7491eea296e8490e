"""R3 and the checks on every revision: material connection, named products, the run."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import cast

from sqlalchemy import delete, exists, or_, select
from sqlalchemy.orm import Session

from crm.agreements.models import Deal, Grant, Product
from crm.approvals.checks import CheckSettings, ProductRef, find_phrase, run_checks
from crm.approvals.disclosure.engine import ConditionedReviewFinding, conditioned_review_findings
from crm.approvals.models import Revision, RevisionCheck, RevisionProduct, Submission
from crm.approvals.services.settings import load_settings
from crm.common.clearance import seeing_everything
from crm.common.timeutil import org_zone, zone
from crm.creators.models import Creator


def planned_day(planned_for: datetime, tz: str | None = None) -> date:
    return planned_for.astimezone(zone(tz) if tz else org_zone()).date()


def material_connection(session: Session, creator_id: int, day: date) -> bool:
    """R3: an active deal or an active grant on `day` (FTC 16 CFR 255.5)."""
    deal = exists().where(
        Deal.creator_id == creator_id,
        Deal.status.in_(("signed", "active")),
        or_(Deal.starts_on.is_(None), Deal.starts_on <= day),
        or_(Deal.ends_on.is_(None), Deal.ends_on >= day),
    )
    grant = exists().where(
        Grant.creator_id == creator_id,
        Grant.status == "active",
        Grant.starts_on <= day,
        Grant.ends_on >= day,
    )
    return bool(session.scalar(select(or_(deal, grant))))


def named_products(text: str, products: Iterable[Product]) -> list[Product]:
    return [p for p in products if find_phrase(text or "", [p.name, *(p.aliases or [])])]


def active_grant(session: Session, creator_id: int, day: date) -> bool:
    """The creator has access to one of our products on `day`."""
    return bool(
        session.scalar(
            select(
                exists().where(
                    Grant.creator_id == creator_id,
                    Grant.status == "active",
                    Grant.starts_on <= day,
                    Grant.ends_on >= day,
                )
            )
        )
    )


def deal_terms(deal: Deal | None) -> str:
    """What the review-terms check reads of a deal: its title and deliverables (the brief)."""
    if deal is None:
        return ""
    return "\n".join(part for part in (deal.title, deal.deliverables) if part)


def deal_conditioned_review_findings(
    session: Session, deal: Deal
) -> list[ConditionedReviewFinding]:
    """16 CFR 465.4: the deal's terms that tie payment or access to an opinion."""
    rule_sets = load_settings(session).effective_rule_sets
    return conditioned_review_findings(deal_terms(deal), rule_sets)


def run_revision_checks(
    session: Session,
    submission: Submission,
    revision: Revision,
    *,
    today: date,
    tz: str | None = None,
    settings: CheckSettings | None = None,
) -> list[RevisionCheck]:
    """Run every check on a revision and store the flags and the products it names.

    The checks read every record, whoever submits: not being cleared for a product must
    never stop a caption that names it from being flagged (R4), nor a grant of it from
    making a material connection (R3)."""
    with seeing_everything(session):
        return _run_checks(session, submission, revision, today=today, tz=tz, settings=settings)


def _run_checks(
    session: Session,
    submission: Submission,
    revision: Revision,
    *,
    today: date,
    tz: str | None,
    settings: CheckSettings | None,
) -> list[RevisionCheck]:
    settings = settings or load_settings(session)
    day = planned_day(submission.planned_for, tz)
    products = named_products(revision.body, session.scalars(select(Product)).all())
    creator = session.get(Creator, submission.creator_id)
    deal = session.get(Deal, submission.deal_id) if submission.deal_id else None
    results = run_checks(
        revision.body or "",
        material_connection=material_connection(session, submission.creator_id, day),
        is_video=submission.is_video,
        disclosure_in_video=revision.disclosure_in_video,
        products=cast(Sequence[ProductRef], products),  # a Product has what a ProductRef has
        planned_for=day,
        today=today,
        settings=settings,
        jurisdictions=settings.select(
            creator.country if creator else None, submission.audience_countries or ()
        ),
        # Made with one of our products: the creator's access, or a product it names.
        ai_made=bool(products) or active_grant(session, submission.creator_id, day),
        ai_label=revision.ai_label,
        platform=submission.platform,
        deal_terms=deal_terms(deal),
        images_retouched=revision.images_retouched,
        shows_person_body=revision.shows_person_body,
    )
    if revision.id is not None:
        session.execute(delete(RevisionCheck).where(RevisionCheck.revision_id == revision.id))
        session.execute(delete(RevisionProduct).where(RevisionProduct.revision_id == revision.id))
    session.flush()
    rows = [
        RevisionCheck(
            revision_id=revision.id,
            code=r.code,
            message=r.message,
            spans=[list(s) for s in r.spans],
            product_id=r.product_id,
            jurisdiction=r.jurisdiction,
            remedy=r.remedy,
            source=r.source,
        )
        for r in results
    ]
    session.add_all(rows)
    session.add_all(RevisionProduct(revision_id=revision.id, product_id=p.id) for p in products)
    if submission.latest_revision == revision.number:
        submission.failed_checks = len(rows)
    session.flush()
    return rows
