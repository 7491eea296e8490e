"""A deal's payments: scheduling, marking paid, editing and voiding, and the warnings a deal
shows about them. Apart from deals.py because payments are their own lifecycle."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from crm.agreements.models import (
    Deal,
    Payment,
)
from crm.agreements.services._common import (
    Amount,
    _currency,
    _diff,
    _money_field,
    _text,
)
from crm.audit.services import record
from crm.common import money
from crm.common.actor import Actor
from crm.common.errors import Conflict, FieldErrors, Invalid, NotFound
from crm.db import utcnow
from crm.reminders.services import resolve


def get_payment(session: Session, payment_id: int) -> Payment:
    payment = session.get(Payment, payment_id)
    if payment is None:
        raise NotFound("No such payment.")
    return payment


def add_payment(
    session: Session,
    actor: Actor,
    deal: Deal,
    *,
    due_on: date | None,
    amount: Amount,
    currency: str | None = None,
    paid_on: date | None = None,
    note: str = "",
) -> Payment:
    """Schedule a cash payment of a deal, in the deal's currency."""
    if deal.kind == "in_kind":
        raise Conflict("An in-kind deal has no cash payments.")
    if deal.status == "cancelled":
        raise Conflict("A cancelled deal takes no new payments.")
    errors = FieldErrors()
    currency = _currency(errors, currency or deal.currency)
    if currency and deal.currency and currency != deal.currency:
        errors.add("currency", f"must be the deal's currency, {deal.currency}")
    if due_on is None:
        errors.add("due_on", "is required")
    if amount in (None, ""):
        errors.add("amount", "is required")
    minor = _money_field(errors, "amount", amount, currency)
    note = _text(errors, "note", note, 500)
    errors.raise_if_any()
    assert minor is not None and currency is not None  # an amount is required, and its currency
    payment = Payment(
        deal_id=deal.id, due_on=due_on, amount_minor=minor, currency=currency, paid_on=paid_on,
        note=note,
    )  # fmt: skip
    session.add(payment)
    session.flush()
    record(
        session,
        actor,
        "payment.create",
        "payment",
        payment.id,
        {
            "deal_id": deal.id,
            "due_on": due_on,
            "amount": money.to_decimal_string(minor, currency),
            "currency": currency,
            "paid_on": paid_on,
        },
    )
    return payment


def mark_paid(session: Session, actor: Actor, payment: Payment, paid_on: date | None) -> Payment:
    _live_payment(payment)
    if payment.paid_on is not None:
        raise Conflict(f"This payment was already marked paid on {payment.paid_on}.")
    if paid_on is None:
        raise Invalid({"paid_on": ["is required"]})
    payment.paid_on = paid_on
    session.flush()
    record(
        session,
        actor,
        "payment.paid",
        "payment",
        payment.id,
        {"paid_on": [None, paid_on], "deal_id": payment.deal_id},
    )
    _close_payment_tasks(session, actor, payment, "the payment was marked paid")
    return payment


def _payment_snapshot(payment: Payment) -> dict[str, Any]:
    return {
        "due_on": payment.due_on,
        "amount": money.to_decimal_string(payment.amount_minor, payment.currency),
        "paid_on": payment.paid_on,
        "note": payment.note,
    }


PAYMENT_FIELDS = ("due_on", "amount", "paid_on", "note")
REASON_MAX = 500


def _reason(errors: FieldErrors, reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        errors.add("reason", "say why the payment is corrected")
    elif len(reason) > REASON_MAX:
        errors.add("reason", f"must be at most {REASON_MAX} characters")
    return reason


def _live_payment(payment: Payment) -> None:
    if payment.voided_at is not None:
        raise Conflict("This payment was voided; it can no longer be changed.")


def update_payment(
    session: Session, actor: Actor, payment: Payment, *, reason: str, **fields: Any
) -> Payment:
    """Correct a payment: its due date, amount, paid date (None = not paid after all) or note.
    Audited with the reason and each field's before and after."""
    _live_payment(payment)
    unknown = set(fields) - set(PAYMENT_FIELDS)
    if unknown:
        raise Invalid({k: ["is not a field you can set"] for k in sorted(unknown)})
    errors = FieldErrors()
    reason = _reason(errors, reason)
    if "due_on" in fields and not isinstance(fields["due_on"], date):
        errors.add("due_on", "is required")
    if "paid_on" in fields and fields["paid_on"] is not None:
        if not isinstance(fields["paid_on"], date):
            errors.add("paid_on", "must be a date YYYY-MM-DD")
    minor: int | None = payment.amount_minor
    if "amount" in fields:
        if fields["amount"] in (None, ""):
            errors.add("amount", "is required")
        else:
            minor = _money_field(errors, "amount", fields["amount"], payment.currency)
    note = _text(errors, "note", fields["note"], 500) if "note" in fields else payment.note
    errors.raise_if_any()
    before = _payment_snapshot(payment)
    if "due_on" in fields:
        payment.due_on = fields["due_on"]
    if "paid_on" in fields:
        payment.paid_on = fields["paid_on"]
    assert minor is not None  # required above
    payment.amount_minor, payment.note = minor, note
    session.flush()
    changes: dict[str, Any] = _diff(before, _payment_snapshot(payment))
    if not changes:
        return payment
    changes["reason"] = reason
    changes["deal_id"] = payment.deal_id
    record(session, actor, "payment.update", "payment", payment.id, changes)
    if payment.paid_on is not None:
        _close_payment_tasks(session, actor, payment, "the payment was marked paid")
    return payment


def void_payment(session: Session, actor: Actor, payment: Payment, *, reason: str) -> Payment:
    """Void a payment entered by mistake: it stays, marked void with the reason, and counts
    in no total and no reminder."""
    _live_payment(payment)
    errors = FieldErrors()
    reason = _reason(errors, reason)
    errors.raise_if_any()
    payment.voided_at = utcnow()
    payment.void_reason = reason
    session.flush()
    record(
        session,
        actor,
        "payment.void",
        "payment",
        payment.id,
        {"voided": [False, True], "reason": reason, "deal_id": payment.deal_id},
    )
    _close_payment_tasks(session, actor, payment, "the payment was voided")
    return payment


def _close_payment_tasks(session: Session, actor: Actor, payment: Payment, reason: str) -> None:
    resolve(session, actor, ("payment", payment.id), rules=("payment-due",), reason=reason)


def live_payments(deal: Deal) -> list[Payment]:
    return [p for p in deal.payments if p.voided_at is None]


def payment_warnings(deal: Deal) -> list[str]:
    """What looks wrong in a deal's schedule, shown beside it (never refused): the sum of
    its payments differs from the fee, or a payment falls outside the deal's dates."""
    warnings = []
    payments = live_payments(deal)
    if payments and deal.fee_minor is not None and deal.currency:
        total = sum(p.amount_minor for p in payments)
        if total != deal.fee_minor:
            fee = money.to_decimal_string(deal.fee_minor, deal.currency)
            scheduled = money.to_decimal_string(total, deal.currency)
            more_less = "more" if total > deal.fee_minor else "less"
            warnings.append(
                f"The scheduled payments add up to {scheduled} {deal.currency}, {more_less} "
                f"than the fee of {fee} {deal.currency}."
            )
    for p in payments:
        if deal.starts_on and p.due_on < deal.starts_on:
            warnings.append(
                f"A payment is due on {p.due_on.isoformat()}, before the deal starts "
                f"({deal.starts_on.isoformat()})."
            )
        if deal.ends_on and p.due_on > deal.ends_on:
            warnings.append(
                f"A payment is due on {p.due_on.isoformat()}, after the deal ends "
                f"({deal.ends_on.isoformat()})."
            )
    return warnings
