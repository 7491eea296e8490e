"""Payouts per period of a licence (R10 applied to money):
- A work counts for a period when the licence covers it on the last day of the period that
  falls inside the licence's term: it is one of the licence's works (or any work of the
  creator, for an "all allowed works" licence) and its effective decision for every use of
  the licence is allowed or constrained on that day. So a consent revoked on the 15th takes
  the work out of that month's payout and every later one.
- flat: the rate once per period, when at least one work is covered (otherwise 0);
  per_work: the rate times the works counted;
  revenue_share: the revenue given for the period times the rate (basis points / 10,000),
  rounded half up to the minor unit; 0 when no work is covered.
- Recording a payout freezes the period's dataset manifest (services/manifests.py) if it
  was not frozen already.
- A payout is stored once per (licence, period); payouts of one licence never overlap; a
  stored payout is never recomputed, so later consent changes only affect later periods.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.audit.services import record
from crm.common.actor import Actor
from crm.common.errors import Conflict, FieldErrors, Invalid, NotFound
from crm.common.money import MoneyError, to_minor
from crm.licensing.models import (
    Licence,
    Payout,
)
from crm.licensing.services.base import (
    parse_period,
    today,
)
from crm.licensing.services.licences import covered_work_ids
from crm.licensing.services.manifests import freeze


def payout_amount(licence: Licence, works_count: int, revenue_minor: int | None) -> int:
    if works_count == 0:
        return 0
    if licence.fee_model == "flat":
        assert licence.rate_minor is not None  # parse_rate sets it for flat and per_work
        return licence.rate_minor
    if licence.fee_model == "per_work":
        assert licence.rate_minor is not None
        return licence.rate_minor * works_count
    assert revenue_minor is not None and licence.rate_bp is not None  # revenue_share
    share = Decimal(revenue_minor) * Decimal(licence.rate_bp) / Decimal(10_000)
    return int(share.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def compute_payout(
    session: Session,
    actor: Actor,
    licence: Licence,
    period: str | None,
    revenue: str | None = None,
    on: date | None = None,
) -> Payout:
    label, start, end = parse_period(period)
    errors = FieldErrors()
    revenue_minor = None
    if licence.fee_model == "revenue_share":
        if revenue in (None, ""):
            errors.add("revenue", "is required for a revenue-share licence")
        else:
            try:
                revenue_minor = to_minor(revenue, licence.currency)
            except MoneyError as exc:
                errors.add("revenue", str(exc))
            else:
                if revenue_minor < 0:
                    errors.add("revenue", "must not be negative")
    elif revenue not in (None, ""):
        errors.add("revenue", "only applies to revenue-share licences")
    errors.raise_if_any()
    if not licence.in_force_during(start, end):
        raise Conflict(f"The licence is not in force during {label}.")
    if start > (on or today()):
        raise Conflict(f"{label} has not started yet; payouts are computed for past periods.")
    overlapping = session.scalar(
        select(Payout).where(
            Payout.licence_id == licence.id,
            Payout.period_start <= end,
            Payout.period_end >= start,
        )
    )
    if overlapping is not None:
        raise Conflict(
            f"A payout for {overlapping.period} is already stored for this licence; "
            "stored payouts are never recomputed."
        )
    day = min(end, licence.ends_on) if licence.ends_on else end
    work_ids = covered_work_ids(session, licence, day)
    payout = Payout(
        licence_id=licence.id,
        period=label,
        period_start=start,
        period_end=end,
        works_count=len(work_ids),
        work_ids=work_ids,
        revenue_minor=revenue_minor,
        amount_minor=payout_amount(licence, len(work_ids), revenue_minor),
        currency=licence.currency,
        status="due",
    )
    session.add(payout)
    session.flush()
    # The period's dataset manifest freezes with its payout (unless requested before).
    freeze(session, licence, label, start, end, "payout")
    record(
        session,
        actor,
        "payout.create",
        "payout",
        payout.id,
        {
            "licence_id": licence.id,
            "period": label,
            "works_count": payout.works_count,
            "amount_minor": payout.amount_minor,
            "currency": payout.currency,
        },
    )
    return payout


def get_payout(session: Session, licence: Licence, payout_id: int) -> Payout:
    payout = session.get(Payout, payout_id)
    if payout is None or payout.licence_id != licence.id:
        raise NotFound("No such payout.")
    return payout


def mark_paid(session: Session, actor: Actor, payout: Payout, paid_on: date | None) -> Payout:
    if payout.status == "paid":
        raise Conflict(f"The payout for {payout.period} was already paid on {payout.paid_on}.")
    if paid_on is None:
        raise Invalid({"paid_on": ["is required"]})
    payout.status = "paid"
    payout.paid_on = paid_on
    session.flush()
    record(
        session,
        actor,
        "payout.paid",
        "payout",
        payout.id,
        {"status": ["due", "paid"], "paid_on": [None, paid_on]},
    )
    return payout


def list_payouts(session: Session, licence: Licence) -> list[Payout]:
    return list(
        session.scalars(
            select(Payout).where(Payout.licence_id == licence.id).order_by(Payout.period_start)
        )
    )
