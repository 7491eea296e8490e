"""How other domains name and link NDAs, grants, deals and payments (`RecordLink`s)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.agreements.models import Deal, Grant, Nda, Payment, Product
from crm.common.registry import RecordLink, request_url

Links = dict[int, tuple[str, str | None]]


def _ndas(session: Session, ids: Iterable[int]) -> Links:
    found = session.scalars(select(Nda.id).where(Nda.id.in_(ids)))
    return {i: (f"NDA #{i}", request_url("agreements.nda_detail", nda_id=i)) for i in found}


def _grants(session: Session, ids: Iterable[int]) -> Links:
    rows = session.execute(
        select(Grant.id, Product.name)
        .join(Product, Product.id == Grant.product_id)
        .where(Grant.id.in_(ids))
    )
    return {
        row.id: (
            f"Grant #{row.id} ({row.name})",
            request_url("agreements.grant_detail", grant_id=row.id),
        )
        for row in rows
    }


def _deals(session: Session, ids: Iterable[int]) -> Links:
    rows = session.execute(select(Deal.id, Deal.title).where(Deal.id.in_(ids)))
    return {
        row.id: (f"Deal “{row.title}”", request_url("agreements.deal_detail", deal_id=row.id))
        for row in rows
    }


def _payments(session: Session, ids: Iterable[int]) -> Links:
    rows = session.execute(
        select(Payment.id, Deal.id.label("deal_id"), Deal.title)
        .join(Deal, Deal.id == Payment.deal_id)
        .where(Payment.id.in_(ids))
    )
    return {
        row.id: (
            f"Payment for “{row.title}”",
            request_url("agreements.deal_detail", deal_id=row.deal_id),
        )
        for row in rows
    }


LINKS = (
    RecordLink("nda", _ndas),
    RecordLink("grant", _grants),
    RecordLink("deal", _deals),
    RecordLink("payment", _payments),
)
