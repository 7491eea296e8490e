"""The agreements page: NDAs and grants ending soon and payments due, a keyset page of
rows per block. It reads the columns the page shows, not the models with their creators and
products: loading those was the page's main cost."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm.agreements.models import Deal, Grant, Nda, Payment, Product, nda_products
from crm.agreements.queries import EXPIRING_PAGE, expiring_filters
from crm.common.pagination import Page, SortKey, keyset_page
from crm.creators.models import Creator


@dataclass(frozen=True, slots=True)
class CreatorRef:
    id: int
    display_name: str


@dataclass(frozen=True, slots=True)
class ExpiringNda:
    id: int
    expires_on: date
    creator: CreatorRef
    products: list[str]


@dataclass(frozen=True, slots=True)
class ExpiringGrant:
    id: int
    ends_on: date
    creator: CreatorRef
    product_name: str


@dataclass(frozen=True, slots=True)
class ExpiringPayment:
    id: int
    due_on: date
    amount_minor: int
    currency: str
    deal_id: int
    deal_title: str
    creator: CreatorRef


@dataclass
class ExpiringPage:
    """The agreements page: each block a keyset page of EXPIRING_PAGE rows, with the block's
    whole count and the unpaid amounts due per currency counted by the database."""

    ndas: Page
    grants: Page
    payments: Page
    nda_count: int
    grant_count: int
    payment_count: int
    overdue_count: int
    due_totals: list[tuple[str, int]]


def _product_names(session: Session, nda_ids: list[int]) -> dict[int, list[str]]:
    names: dict[int, list[str]] = {i: [] for i in nda_ids}
    if nda_ids:
        for nda_id, name in session.execute(
            select(nda_products.c.nda_id, Product.name)
            .join(Product, Product.id == nda_products.c.product_id)
            .where(nda_products.c.nda_id.in_(nda_ids))
            .order_by(nda_products.c.nda_id, Product.name, Product.id)
        ):
            names[nda_id].append(name)
    return names


def expiring_page(
    session: Session,
    today: date,
    days: int = 30,
    *,
    cursors: dict[str, str | None] | None = None,
    limit: int = EXPIRING_PAGE,
) -> ExpiringPage:
    """What `expiring` lists, a page of each block at a time (`cursors` by block name:
    "ndas", "grants", "payments"), in a fixed number of statements whatever the volume:
    one per block (plus the NDAs' products), one for the counts, one for the totals."""
    cursors = cursors or {}
    until = today + timedelta(days=days)
    nda_where, grant_where, payment_where = expiring_filters(today, until)
    nda_rows = keyset_page(
        session,
        select(Nda.id, Nda.expires_on, Creator.id.label("creator_id"), Creator.display_name)
        .join(Creator, Creator.id == Nda.creator_id)
        .where(*nda_where),
        [SortKey(Nda.expires_on, "expires_on"), SortKey(Nda.id, "id")],
        cursors.get("ndas"),
        limit,
        scalars=False,
    )
    products = _product_names(session, [r.id for r in nda_rows.items])
    ndas = Page(
        [
            ExpiringNda(
                r.id, r.expires_on, CreatorRef(r.creator_id, r.display_name), products[r.id]
            )
            for r in nda_rows.items
        ],
        nda_rows.next_cursor,
    )
    grant_rows = keyset_page(
        session,
        select(
            Grant.id,
            Grant.ends_on,
            Creator.id.label("creator_id"),
            Creator.display_name,
            Product.name.label("product_name"),
        )
        .join(Creator, Creator.id == Grant.creator_id)
        .join(Product, Product.id == Grant.product_id)
        .where(*grant_where),
        [SortKey(Grant.ends_on, "ends_on"), SortKey(Grant.id, "id")],
        cursors.get("grants"),
        limit,
        scalars=False,
    )
    grants = Page(
        [
            ExpiringGrant(r.id, r.ends_on, CreatorRef(r.creator_id, r.display_name), r.product_name)
            for r in grant_rows.items
        ],
        grant_rows.next_cursor,
    )
    payment_rows = keyset_page(
        session,
        select(
            Payment.id,
            Payment.due_on,
            Payment.amount_minor,
            Payment.currency,
            Deal.id.label("deal_id"),
            Deal.title.label("deal_title"),
            Creator.id.label("creator_id"),
            Creator.display_name,
        )
        .join(Deal, Deal.id == Payment.deal_id)
        .join(Creator, Creator.id == Deal.creator_id)
        .where(*payment_where),
        [SortKey(Payment.due_on, "due_on"), SortKey(Payment.id, "id")],
        cursors.get("payments"),
        limit,
        scalars=False,
    )
    payments = Page(
        [
            ExpiringPayment(
                r.id,
                r.due_on,
                r.amount_minor,
                r.currency,
                r.deal_id,
                r.deal_title,
                CreatorRef(r.creator_id, r.display_name),
            )
            for r in payment_rows.items
        ],
        payment_rows.next_cursor,
    )
    due = select(Payment.id).join(Deal, Deal.id == Payment.deal_id).where(*payment_where)
    counts = session.execute(
        select(
            select(func.count()).select_from(Nda).where(*nda_where).scalar_subquery(),
            select(func.count()).select_from(Grant).where(*grant_where).scalar_subquery(),
            select(func.count()).select_from(due.subquery()).scalar_subquery(),
            select(func.count())
            .select_from(due.where(Payment.due_on < today).subquery())
            .scalar_subquery(),
        )
    ).one()
    totals = session.execute(
        select(Payment.currency, func.sum(Payment.amount_minor))
        .join(Deal, Deal.id == Payment.deal_id)
        .where(*payment_where)
        .group_by(Payment.currency)
        .order_by(Payment.currency)
    ).all()
    return ExpiringPage(
        ndas=ndas,
        grants=grants,
        payments=payments,
        nda_count=int(counts[0] or 0),
        grant_count=int(counts[1] or 0),
        payment_count=int(counts[2] or 0),
        overdue_count=int(counts[3] or 0),
        due_totals=[(str(currency), int(total or 0)) for currency, total in totals],
    )
