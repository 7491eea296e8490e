"""Deals and their payments: kinds, fees in minor units, lifecycle."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.agreements.models import (
    DEAL_KINDS,
    DEAL_STATUSES,
    Deal,
    Grant,
    Payment,
)
from crm.agreements.services._common import (
    DEAL_TRANSITIONS,
    Amount,
    _creator,
    _currency,
    _dec,
    _diff,
    _money_field,
    _refuse_transition,
    _text,
)
from crm.audit.services import record
from crm.common import money
from crm.common.actor import Actor
from crm.common.errors import Conflict, FieldErrors, Invalid, NotFound
from crm.creators import custom_fields
from crm.db import utcnow
from crm.reminders.services import resolve


def get_deal(session: Session, deal_id: int) -> Deal:
    deal = session.get(Deal, deal_id)
    if deal is None:
        raise NotFound("No such deal.")
    return deal


def deal_snapshot(deal: Deal) -> dict[str, Any]:
    def dec(minor: int | None) -> str | None:
        return _dec(minor, deal.currency)

    return {
        "title": deal.title,
        "kind": deal.kind,
        "status": deal.status,
        "fee": dec(deal.fee_minor),
        "in_kind_value": dec(deal.in_kind_value_minor),
        "currency": deal.currency,
        "starts_on": deal.starts_on,
        "ends_on": deal.ends_on,
        "deliverables": deal.deliverables,
        "usage_rights": deal.usage_rights,
        "usage_rights_until": deal.usage_rights_until,
        "grant_ids": sorted(g.id for g in deal.grants),
        "custom_fields": dict(deal.custom_fields or {}),
    }


_DEAL_FIELDS = (
    "title",
    "kind",
    "fee",
    "in_kind_value",
    "currency",
    "starts_on",
    "ends_on",
    "deliverables",
    "usage_rights",
    "usage_rights_until",
    "grant_ids",
    "custom_fields",
)


def _deal_values(
    session: Session,
    errors: FieldErrors,
    creator_id: int,
    fields: dict[str, Any],
    deal: Deal | None,
) -> dict[str, Any]:
    def current(name: str, default: Any = None) -> Any:
        if name in fields:
            return fields[name]
        if deal is None:
            return default
        if name == "fee":
            return _dec(deal.fee_minor, deal.currency)
        if name == "in_kind_value":
            return _dec(deal.in_kind_value_minor, deal.currency)
        if name == "grant_ids":
            return [g.id for g in deal.grants]
        return getattr(deal, name)

    v: dict[str, Any] = {}
    v["title"] = _text(errors, "title", current("title", ""), 200)
    if not v["title"]:
        errors.add("title", "is required")
    v["kind"] = current("kind")
    if v["kind"] not in DEAL_KINDS:
        errors.add("kind", f"must be one of {', '.join(DEAL_KINDS)}")
    v["currency"] = _currency(errors, current("currency"))
    v["fee_minor"] = _money_field(errors, "fee", current("fee"), v["currency"])
    v["in_kind_value_minor"] = _money_field(
        errors, "in_kind_value", current("in_kind_value"), v["currency"]
    )
    v["starts_on"], v["ends_on"] = current("starts_on"), current("ends_on")
    if v["starts_on"] and v["ends_on"] and v["ends_on"] < v["starts_on"]:
        errors.add("ends_on", "must be on or after the start date")
    v["deliverables"] = _text(errors, "deliverables", current("deliverables", ""))
    v["usage_rights"] = _text(errors, "usage_rights", current("usage_rights", ""))
    v["usage_rights_until"] = current("usage_rights_until")
    ids = sorted({int(i) for i in current("grant_ids", []) or []})
    grants = list(session.scalars(select(Grant).where(Grant.id.in_(ids)))) if ids else []
    if len(grants) != len(ids):
        errors.add("grant_ids", "unknown grants")
    if any(g.creator_id != creator_id for g in grants):
        errors.add("grant_ids", "must be grants of the same creator")
    v["grants"] = grants
    # Kind consistency: paid = cash only; in_kind = no fee, grants or a stated value; hybrid both.
    in_kind = bool(grants) or v["in_kind_value_minor"] is not None
    if v["kind"] == "paid":
        if current("fee") in (None, ""):
            errors.add("fee", "a paid deal needs a fee above zero")
        if in_kind:
            errors.add("kind", "a paid deal has no in-kind part; choose hybrid")
    elif v["kind"] == "in_kind":
        if current("fee") not in (None, ""):
            errors.add("fee", "an in-kind deal has no fee; choose hybrid")
        if not in_kind:
            errors.add("grant_ids", "an in-kind deal links grants or states an in-kind value")
    elif v["kind"] == "hybrid":
        if current("fee") in (None, ""):
            errors.add("fee", "a hybrid deal needs a fee above zero")
        if not in_kind:
            errors.add("grant_ids", "a hybrid deal links grants or states an in-kind value")
    if v["currency"] is None and (v["fee_minor"] or v["in_kind_value_minor"]):
        errors.add("currency", "is required with an amount")
    return v


def create_deal(session: Session, actor: Actor, *, creator_id: int, **fields: Any) -> Deal:
    errors = FieldErrors()
    creator = _creator(session, creator_id)
    unknown = set(fields) - set(_DEAL_FIELDS)
    if unknown:
        raise Invalid({k: ["is not a field you can set"] for k in sorted(unknown)})
    extra = fields.pop("custom_fields", None)
    v = _deal_values(session, errors, creator.id, fields, None)
    values = custom_fields.clean_values(session, "deal", extra, errors, current=None, creating=True)
    errors.raise_if_any()
    deal = Deal(creator_id=creator.id, status="proposed", custom_fields=values)
    _apply_deal(deal, v)
    session.add(deal)
    session.flush()
    record(
        session,
        actor,
        "deal.create",
        "deal",
        deal.id,
        deal_snapshot(deal) | {"creator_id": creator.id},
    )
    return deal


def _apply_deal(deal: Deal, v: dict[str, Any]) -> None:
    for key in (
        "title",
        "kind",
        "currency",
        "fee_minor",
        "in_kind_value_minor",
        "starts_on",
        "ends_on",
        "deliverables",
        "usage_rights",
        "usage_rights_until",
    ):
        setattr(deal, key, v[key])
    deal.grants = v["grants"]


def update_deal(session: Session, actor: Actor, deal: Deal, **fields: Any) -> Deal:
    """Edit a deal; `status` moves along DEAL_TRANSITIONS. Finished deals are read-only."""
    target = fields.pop("status", None)
    if target is not None and target not in DEAL_STATUSES:
        raise Invalid({"status": [f"must be one of {', '.join(DEAL_STATUSES)}"]})
    if target is not None and target != deal.status:
        _refuse_transition(DEAL_TRANSITIONS, deal.status, target)
    elif deal.status in ("completed", "cancelled") and fields:
        raise Conflict(f"A deal that is {deal.status} can no longer be edited.")
    given_custom = "custom_fields" in fields
    extra = fields.pop("custom_fields", None)
    values: dict[str, Any] = {}
    if fields or given_custom:
        if deal.payments and "currency" in fields and fields["currency"] != deal.currency:
            raise Invalid({"currency": ["cannot change once payments are scheduled"]})
        errors = FieldErrors()
        v = _deal_values(session, errors, deal.creator_id, fields, deal) if fields else {}
        if given_custom:
            values = custom_fields.clean_values(
                session, "deal", extra, errors, current=deal.custom_fields, creating=False
            )
        errors.raise_if_any()
    before = deal_snapshot(deal)
    if fields:
        _apply_deal(deal, v)
    if given_custom:
        deal.custom_fields = values
    if target is not None:
        deal.status = target
    session.flush()
    changes = _diff(before, deal_snapshot(deal))
    if changes:
        action = "deal.status" if set(changes) == {"status"} else "deal.update"
        record(session, actor, action, "deal", deal.id, changes)
    return deal


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
