"""Deals: kinds, fees in minor units, lifecycle. Payments live in payments.py and are
re-exported here so `crm.agreements.services.deals` still names them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.agreements.models import (
    DEAL_KINDS,
    DEAL_STATUSES,
    Deal,
    Grant,
)
from crm.agreements.services._common import (
    DEAL_TRANSITIONS,
    _creator,
    _currency,
    _dec,
    _diff,
    _money_field,
    _refuse_transition,
    _text,
)
from crm.agreements.services.payments import (  # noqa: F401 (re-exported)
    PAYMENT_FIELDS,
    REASON_MAX,
    add_payment,
    get_payment,
    live_payments,
    mark_paid,
    payment_warnings,
    update_payment,
    void_payment,
)
from crm.audit.services import record
from crm.common.actor import Actor
from crm.common.clearance import hidden_for, names_hidden
from crm.common.errors import Conflict, FieldErrors, Forbidden, Invalid, NotFound
from crm.common.labels import phrase
from crm.creators import custom_fields


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


def _hidden_grants(session: Session, actor: Actor, deal: Deal) -> list[Grant]:
    """The deal's grants of products the actor is not cleared for, as far as this session
    loaded them: an edit of the visible ones keeps these. Read for the actor, the collection
    never held them, so the assignment leaves their rows alone; read with everything, they
    are kept by being assigned again."""
    hidden = hidden_for(session, actor).ids
    if not hidden:
        return []
    return [g for g in deal.grants if g.product_id in hidden]


def update_deal(session: Session, actor: Actor, deal: Deal, **fields: Any) -> Deal:
    """Edit a deal; `status` moves along DEAL_TRANSITIONS. Finished deals are read-only."""
    target = fields.pop("status", None)
    if target is not None and target not in DEAL_STATUSES:
        raise Invalid({"status": [f"must be one of {', '.join(DEAL_STATUSES)}"]})
    if target is not None and target != deal.status:
        _refuse_transition(DEAL_TRANSITIONS, deal.status, target)
    elif deal.status in ("completed", "cancelled") and fields:
        raise Conflict(
            f"A deal that is {phrase(deal.status, 'deal_status')} can no longer be edited."
        )
    given_custom = "custom_fields" in fields
    if (fields or given_custom) and any(
        names_hidden(session, actor, text)
        for text in (deal.title, deal.deliverables, deal.usage_rights)
    ):
        # What they see of it is redacted: saving the form back would overwrite the name.
        raise Forbidden(
            "This deal names a restricted product; an admin or a cleared colleague can change it."
        )
    extra = fields.pop("custom_fields", None)
    values: dict[str, Any] = {}
    if fields or given_custom:
        if deal.payments and "currency" in fields and fields["currency"] != deal.currency:
            raise Invalid({"currency": ["cannot change once payments are scheduled"]})
        errors = FieldErrors()
        v = _deal_values(session, errors, deal.creator_id, fields, deal) if fields else {}
        if "grants" in v:
            v["grants"] = v["grants"] + _hidden_grants(session, actor, deal)
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
