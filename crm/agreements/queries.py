"""Reading agreements: lists, what expires soon, money totals and a creator's full cost.

Money is summed per currency only: a creator paid in USD and EUR has two totals, never one.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, lazyload

from crm.agreements.models import Deal, Grant, Nda, Payment, Product
from crm.common.pagination import Page, SortKey, keyset_page
from crm.creators.listing import cf_matches
from crm.creators.models import Creator

DAYS_PER_MONTH_NUM, DAYS_PER_MONTH_DEN = 365, 12  # a month is 365/12 days
IN_KIND_DEAL_STATUSES = ("signed", "active", "completed")


def list_products(session: Session) -> list[Product]:
    return list(session.scalars(select(Product).order_by(Product.name, Product.id)))


def _page(session, stmt, model, cursor, limit) -> Page:
    return keyset_page(session, stmt, [SortKey(model.id, "id", True)], cursor, limit)


def list_ndas(session: Session, *, creator_id=None, status=None, cursor=None, limit=50) -> Page:
    stmt = select(Nda)
    if creator_id:
        stmt = stmt.where(Nda.creator_id == creator_id)
    if status:
        stmt = stmt.where(Nda.status == status)
    return _page(session, stmt, Nda, cursor, limit)


def list_grants(
    session: Session, *, creator_id=None, product_id=None, status=None, cursor=None, limit=50
) -> Page:
    stmt = select(Grant)
    if creator_id:
        stmt = stmt.where(Grant.creator_id == creator_id)
    if product_id:
        stmt = stmt.where(Grant.product_id == product_id)
    if status:
        stmt = stmt.where(Grant.status == status)
    return _page(session, stmt, Grant, cursor, limit)


def list_deals(
    session: Session, *, creator_id=None, status=None, cursor=None, limit=50, cf=None
) -> Page:
    stmt = select(Deal)
    if creator_id:
        stmt = stmt.where(Deal.creator_id == creator_id)
    if status:
        stmt = stmt.where(Deal.status == status)
    for key, value in (cf or {}).items():
        stmt = stmt.where(cf_matches(Deal.custom_fields, key, value))
    return _page(session, stmt, Deal, cursor, limit)


@dataclass
class Expiring:
    ndas: list[Nda]
    grants: list[Grant]
    payments: list[Payment]


def expiring(
    session: Session,
    today: date,
    days: int = 30,
    *,
    payments: bool = True,
    limit: int | None = None,
) -> Expiring:
    """Signed NDAs and active grants ending within `days` (the first `limit` of each when
    given), and unpaid payments due by then (overdue ones included), each with its creator
    loaded: a fixed number of queries.

    The creators' tags and the deals' grants (eager by default on their models) are left to
    load on access: these lists never show them, and batched eager loads would add one
    statement per 500 rows."""
    until = today + timedelta(days=days)
    ndas = session.scalars(
        select(Nda)
        .options(joinedload(Nda.creator).lazyload(Creator.tags), joinedload(Nda.products))
        .where(Nda.status == "signed", Nda.expires_on >= today, Nda.expires_on <= until)
        .order_by(Nda.expires_on, Nda.id)
        .limit(limit)
    )
    grants = session.scalars(
        select(Grant)
        .options(joinedload(Grant.creator).lazyload(Creator.tags))
        .where(Grant.status == "active", Grant.ends_on >= today, Grant.ends_on <= until)
        .order_by(Grant.ends_on, Grant.id)
        .limit(limit)
    )
    due = []
    if payments:
        due = list(
            session.scalars(
                select(Payment)
                .options(
                    joinedload(Payment.deal).joinedload(Deal.creator).lazyload(Creator.tags),
                    joinedload(Payment.deal).lazyload(Deal.grants),
                )
                .join(Deal, Deal.id == Payment.deal_id)
                .where(
                    Payment.paid_on.is_(None),
                    Payment.voided_at.is_(None),
                    Payment.due_on <= until,
                    Deal.status != "cancelled",
                )
                .order_by(Payment.due_on, Payment.id)
            ).unique()
        )
    return Expiring(list(ndas.unique()), list(grants.unique()), due)


EXPIRING_PAGE = 50


def expiring_filters(today: date, until: date):
    return (
        (Nda.status == "signed", Nda.expires_on >= today, Nda.expires_on <= until),
        (Grant.status == "active", Grant.ends_on >= today, Grant.ends_on <= until),
        (Payment.paid_on.is_(None), Payment.due_on <= until, Deal.status != "cancelled"),
    )


def expiring_count_stmt(today: date, days: int):
    """How many rows `expiring(session, today, days)` lists in its NDAs and grants."""
    until = today + timedelta(days=days)
    ndas = (
        select(func.count())
        .select_from(Nda)
        .where(Nda.status == "signed", Nda.expires_on >= today, Nda.expires_on <= until)
        .scalar_subquery()
    )
    grants = (
        select(func.count())
        .select_from(Grant)
        .where(Grant.status == "active", Grant.ends_on >= today, Grant.ends_on <= until)
        .scalar_subquery()
    )
    return select(ndas + grants)


def active_days(grant: Grant, as_of: date) -> int:
    """Days the grant gave access: from starts_on through the earliest of ends_on, the day
    before it stopped (revoked, suspended, expired) and `as_of`."""
    last = min(grant.ends_on, as_of)
    if grant.ended_on is not None:
        last = min(last, grant.ended_on - timedelta(days=1))
    return max(0, (last - grant.starts_on).days + 1)


def in_kind_value(grant: Grant, as_of: date) -> int:
    """monthly_value × months active, where months = active days × 12 / 365, rounded to the
    nearest minor unit (exact integer arithmetic; 365 is odd so there are no ties)."""
    if grant.monthly_value_minor is None:
        return 0
    numerator = grant.monthly_value_minor * active_days(grant, as_of) * DAYS_PER_MONTH_DEN
    whole, rest = divmod(numerator, DAYS_PER_MONTH_NUM)
    return whole + (1 if 2 * rest > DAYS_PER_MONTH_NUM else 0)


@dataclass
class CurrencyTotals:
    fees: int = 0  # fees of deals not cancelled
    scheduled: int = 0  # every payment of those deals
    paid: int = 0
    due: int = 0  # scheduled and unpaid
    in_kind_grants: int = 0
    in_kind_stated: int = 0

    @property
    def full_cost(self) -> int:
        return self.paid + self.in_kind_grants + self.in_kind_stated


@dataclass
class CreatorAgreements:
    ndas: list[Nda]
    grants: list[Grant]
    deals: list[Deal]
    totals: dict[str, CurrencyTotals] = field(default_factory=dict)


def totals_for(deals: list[Deal], grants: list[Grant], as_of: date) -> dict[str, CurrencyTotals]:
    """Per currency: fees, payments scheduled/paid/due, and the full cost = cash paid +
    in-kind value of grants (see `in_kind_value`) + in-kind value stated on signed, active
    or completed deals."""
    totals: dict[str, CurrencyTotals] = defaultdict(CurrencyTotals)
    for deal in deals:
        if deal.status == "cancelled":
            continue
        if deal.fee_minor is not None and deal.currency:
            totals[deal.currency].fees += deal.fee_minor
        if (
            deal.in_kind_value_minor is not None
            and deal.currency
            and deal.status in IN_KIND_DEAL_STATUSES
        ):
            totals[deal.currency].in_kind_stated += deal.in_kind_value_minor
    for deal in deals:
        for payment in deal.payments:
            if payment.voided_at is not None:
                continue
            if deal.status == "cancelled" and payment.paid_on is None:
                continue
            row = totals[payment.currency]
            row.scheduled += payment.amount_minor
            if payment.paid_on is not None:
                row.paid += payment.amount_minor
            else:
                row.due += payment.amount_minor
    for grant in grants:
        if grant.monthly_value_minor is not None and grant.currency:
            totals[grant.currency].in_kind_grants += in_kind_value(grant, as_of)
    return dict(sorted(totals.items()))


def creator_agreements(session: Session, creator_id: int, as_of: date) -> CreatorAgreements:
    """Everything the creator page shows of one creator in three queries: NDAs with their
    products, grants (with their product), deals with their payments. The deals' grants are
    not shown there and load only if asked for."""
    ndas = list(
        session.scalars(
            select(Nda)
            .options(joinedload(Nda.products))
            .where(Nda.creator_id == creator_id)
            .order_by(Nda.id.desc())
        ).unique()
    )
    grants = list(
        session.scalars(
            select(Grant).where(Grant.creator_id == creator_id).order_by(Grant.id.desc())
        ).unique()
    )
    deals = list(
        session.scalars(
            select(Deal)
            .options(joinedload(Deal.payments), lazyload(Deal.grants))
            .where(Deal.creator_id == creator_id)
            .order_by(Deal.id.desc())
        ).unique()
    )
    return CreatorAgreements(ndas, grants, deals, totals_for(deals, grants, as_of))


def creator_of(session: Session, creator_id: int) -> Creator | None:
    return session.get(Creator, creator_id)
