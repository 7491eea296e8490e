"""Grants of early or in-kind access, gated by a signed NDA for unreleased products (R1)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.agreements.models import (
    Grant,
    Nda,
    Product,
)
from crm.agreements.services._common import (
    GRANT_TRANSITIONS,
    _creator,
    _currency,
    _dec,
    _diff,
    _money_field,
    _refuse_transition,
    _text,
)
from crm.agreements.services.ndas import expire_ndas, nda_problem
from crm.agreements.services.products import product_is_released
from crm.audit.services import record, system_actor
from crm.common.actor import Actor
from crm.common.errors import Conflict, FieldErrors, Invalid, NotFound
from crm.common.labels import phrase
from crm.creators.models import Creator
from crm.reminders.services import resolve


def check_grant_gate(
    session: Session,
    creator: Creator,
    product: Product,
    starts_on: date,
    ends_on: date,
    nda: Nda | None = None,
) -> Nda | None:
    """R1: for a product unreleased on `starts_on`, find (or validate the given) signed NDA of
    the same creator that covers the product over the whole grant. Returns the NDA (None when
    the product is public); raises Conflict naming what is missing."""
    if product_is_released(product, starts_on):
        return nda if nda is not None and nda.creator_id == creator.id else None
    prefix = f"{product.name} is unreleased on {starts_on}, so the grant needs an NDA: "
    if nda is not None:
        if nda.creator_id != creator.id:
            raise Conflict(prefix + f"NDA #{nda.id} belongs to another creator.")
        problem = nda_problem(nda, product, starts_on, ends_on)
        if problem:
            raise Conflict(prefix + problem + ".")
        return nda
    signed = list(
        session.scalars(
            select(Nda).where(Nda.creator_id == creator.id, Nda.status == "signed").order_by(Nda.id)
        )
    )
    if not signed:
        raise Conflict(prefix + f"{creator.display_name} has no signed NDA.")
    covering = [n for n in signed if product.id in {p.id for p in n.products}]
    if not covering:
        ids = ", ".join(f"#{n.id}" for n in signed)
        raise Conflict(prefix + f"no signed NDA of theirs ({ids}) covers {product.name}.")
    problems = [(n, nda_problem(n, product, starts_on, ends_on)) for n in covering]
    fitting = [n for n, problem in problems if problem is None]
    if fitting:
        # The one that lasts longest, so the grant is least likely to be suspended early.
        return max(fitting, key=lambda n: (n.expires_on or date.max, n.id))
    # None fits: name what stops the one closest to fitting (fewest problems).
    refusals = [(n.id, problem) for n, problem in problems if problem is not None]
    _closest, problem = min(refusals, key=lambda r: (r[1].count(";"), -r[0]))
    raise Conflict(prefix + problem + ".")


def get_grant(session: Session, grant_id: int) -> Grant:
    grant = session.get(Grant, grant_id)
    if grant is None:
        raise NotFound("No such grant.")
    return grant


def grant_snapshot(grant: Grant) -> dict[str, Any]:
    return {
        "status": grant.status,
        "product_id": grant.product_id,
        "nda_id": grant.nda_id,
        "starts_on": grant.starts_on,
        "ends_on": grant.ends_on,
        "tier": grant.tier,
        "monthly_value": _dec(grant.monthly_value_minor, grant.currency),
        "currency": grant.currency,
    }


def _grant_fields(
    session: Session, errors: FieldErrors, fields: dict[str, Any], grant: Grant | None
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "product_id" in fields:
        product = session.get(Product, fields["product_id"]) if fields["product_id"] else None
        if product is None:
            errors.add("product_id", "is not a known product")
        out["product"] = product
    else:
        out["product"] = grant.product if grant else None
    starts = fields.get("starts_on", grant.starts_on if grant else None)
    ends = fields.get("ends_on", grant.ends_on if grant else None)
    if starts is None:
        errors.add("starts_on", "is required")
    if ends is None:
        errors.add("ends_on", "is required")
    if starts and ends and ends < starts:
        errors.add("ends_on", "must be on or after the start date")
    out["starts_on"], out["ends_on"] = starts, ends
    out["tier"] = _text(errors, "tier", fields.get("tier", grant.tier if grant else ""), 200)
    currency = (
        _currency(errors, fields["currency"])
        if "currency" in fields
        else (grant.currency if grant else None)
    )
    if "monthly_value" in fields:
        out["monthly_value_minor"] = _money_field(
            errors, "monthly_value", fields["monthly_value"], currency, positive=False
        )
    else:
        out["monthly_value_minor"] = grant.monthly_value_minor if grant else None
    if out["monthly_value_minor"] is None:
        currency = None
    out["currency"] = currency
    nda = None
    if fields.get("nda_id"):
        nda = session.get(Nda, fields["nda_id"])
        if nda is None:
            errors.add("nda_id", "is not a known NDA")
    out["nda"] = nda
    return out


def create_grant(session: Session, actor: Actor, *, creator_id: int, **fields: Any) -> Grant:
    """Grant access to a product; R1 decides (and picks the NDA when none is given)."""
    errors = FieldErrors()
    creator = _creator(session, creator_id)
    if "product_id" not in fields:
        errors.add("product_id", "is required")
    values = _grant_fields(session, errors, fields, None)
    errors.raise_if_any()
    nda = check_grant_gate(
        session, creator, values["product"], values["starts_on"], values["ends_on"], values["nda"]
    )
    grant = Grant(
        creator_id=creator.id,
        product_id=values["product"].id,
        product=values["product"],
        nda_id=nda.id if nda else None,
        starts_on=values["starts_on"],
        ends_on=values["ends_on"],
        tier=values["tier"],
        status="active",
        monthly_value_minor=values["monthly_value_minor"],
        currency=values["currency"],
    )
    session.add(grant)
    session.flush()
    record(
        session,
        actor,
        "grant.create",
        "grant",
        grant.id,
        grant_snapshot(grant) | {"creator_id": creator.id},
    )
    return grant


def update_grant(session: Session, actor: Actor, grant: Grant, today: date, **fields: Any) -> Grant:
    """Edit a grant; a period or NDA change re-runs R1. `status: "active"` resumes a suspended
    grant (R1 again, e.g. under a new NDA); `revoked` goes through `revoke_grant`."""
    target = fields.pop("status", None)
    if target is not None and target != grant.status:
        _refuse_transition(GRANT_TRANSITIONS, grant.status, target)
        if target == "revoked":
            raise Invalid({"status": ["use revoke, which needs a reason"]})
    if grant.status in ("revoked", "expired"):
        raise Conflict(
            f"A grant that is {phrase(grant.status, 'grant_status')} can no longer be changed."
        )
    errors = FieldErrors()
    if "product_id" in fields and fields["product_id"] != grant.product_id:
        errors.add("product_id", "cannot change; revoke this grant and create another")
    fields.pop("product_id", None)
    values = _grant_fields(session, errors, fields, grant)
    errors.raise_if_any()
    before = grant_snapshot(grant)
    becomes_active = grant.status == "active" or target == "active"
    gate_changed = (
        values["starts_on"] != grant.starts_on
        or values["ends_on"] != grant.ends_on
        or (values["nda"] is not None and values["nda"].id != grant.nda_id)
        or target == "active"
    )
    if becomes_active and gate_changed:
        creator = _creator(session, grant.creator_id)
        nda = check_grant_gate(
            session, creator, grant.product, values["starts_on"], values["ends_on"], values["nda"]
        )
        grant.nda_id = nda.id if nda else None
    grant.starts_on, grant.ends_on = values["starts_on"], values["ends_on"]
    grant.tier = values["tier"]
    grant.monthly_value_minor, grant.currency = values["monthly_value_minor"], values["currency"]
    if target == "active":
        if grant.ends_on < today:
            raise Conflict("This grant has already ended; it cannot be resumed.")
        grant.status, grant.ended_on = "active", None
    session.flush()
    changes = _diff(before, grant_snapshot(grant))
    if changes:
        action = "grant.resume" if target == "active" else "grant.update"
        record(session, actor, action, "grant", grant.id, changes)
    if target == "active":
        _close_tasks(session, actor, grant, ("grant-suspended",), "the grant was resumed")
    if "ends_on" in changes:
        _close_tasks(session, actor, grant, ("grant-ending",), f"it now ends on {grant.ends_on}")
    return grant


def _close_tasks(
    session: Session, actor: Actor, grant: Grant, rules: tuple[str, ...], reason: str
) -> None:
    resolve(session, actor, ("grant", grant.id), rules=rules, reason=reason)


def display_status(grant: Grant, today: date) -> str:
    """The grant's state as people read it: an active grant that has not started yet is
    "scheduled" (the stored status stays "active", so R1 and R2 see it as they always did)."""
    if grant.status == "active" and grant.starts_on > today:
        return "scheduled"
    return grant.status


def revoke_grant(session: Session, actor: Actor, grant: Grant, reason: str, today: date) -> Grant:
    reason = (reason or "").strip()
    if not reason:
        raise Invalid({"reason": ["is required"]})
    if len(reason) > 2000:
        raise Invalid({"reason": ["must be at most 2000 characters"]})
    _refuse_transition(GRANT_TRANSITIONS, grant.status, "revoked")
    before = grant.status
    grant.status = "revoked"
    grant.revoked_reason = reason
    grant.ended_on = grant.ended_on if before == "suspended" else today
    session.flush()
    record(
        session,
        actor,
        "grant.revoke",
        "grant",
        grant.id,
        {"status": [before, "revoked"], "reason": reason},
    )
    _close_tasks(session, actor, grant, ENDED_RULES, "the grant was revoked")
    return grant


ENDED_RULES = ("grant-suspended", "grant-ending")


def expire_grants(session: Session, today: date, actor: Actor | None = None) -> list[Grant]:
    """Date-driven, run daily: active or suspended grants whose `ends_on` is before `today`
    become expired. Running it twice changes nothing."""
    actor = actor or system_actor("agreements-expiry")
    stmt = (
        select(Grant)
        .where(Grant.status.in_(("active", "suspended")), Grant.ends_on < today)
        .order_by(Grant.id)
        .with_for_update(of=Grant)
    )
    expired = list(session.scalars(stmt))
    for grant in expired:
        before = grant.status
        grant.status = "expired"
        if grant.ended_on is None:
            grant.ended_on = grant.ends_on + timedelta(days=1)
        session.flush()
        record(session, actor, "grant.expire", "grant", grant.id, {"status": [before, "expired"]})
        _close_tasks(session, actor, grant, ENDED_RULES, "the grant expired")
    return expired


def expire_agreements(session: Session, today: date, actor: Actor | None = None) -> dict[str, int]:
    """The daily job: grants first (so a grant that ran out is expired, not suspended), then
    NDAs (R2 suspends what still depended on them)."""
    grants = expire_grants(session, today, actor)
    ndas = expire_ndas(session, today, actor)
    return {"grants_expired": len(grants), "ndas_expired": len(ndas)}
