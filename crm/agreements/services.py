"""The agreements rules (R1, R2, R6): products, NDAs, NDA-gated grants, deals and payments.

Services take `(session, actor, ...)`, validate, write, record the audit event and flush; the
caller commits once. Reading helpers (lists, totals, expiring) live in `queries.py`, the
signed-PDF storage in `documents.py`.

Events (blinker, crm/agreements/signals.py), sent inside the caller's transaction, so
whatever the receivers add commits or rolls back with the change itself:

- `nda_ended`: once per NDA that expired or was terminated, with the grants R2 suspended
  because of it (agreements itself tasks each creator's owner: crm/agreements/receivers.py).
- `release_moved`: a product's release date changed (R4: approvals puts embargoed
  submissions back in review).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm.agreements.models import (
    DEAL_KINDS,
    DEAL_STATUSES,
    Deal,
    Grant,
    Nda,
    Payment,
    Product,
)
from crm.agreements.signals import nda_ended, release_moved
from crm.audit.services import record, system_actor
from crm.common import money
from crm.common.actor import Actor
from crm.common.errors import Conflict, FieldErrors, Invalid, NotFound
from crm.creators.models import Creator

# One table per lifecycle. People move NDAs along these; `expired` is reached only through
# `expire_ndas` (the dates decide), never by hand.
NDA_TRANSITIONS: dict[str, tuple[str, ...]] = {
    "draft": ("sent",),
    "sent": ("draft", "signed", "terminated"),
    "signed": ("terminated",),
    "expired": (),
    "terminated": (),
}
DEAL_TRANSITIONS: dict[str, tuple[str, ...]] = {
    "proposed": ("negotiating", "signed", "cancelled"),
    "negotiating": ("proposed", "signed", "cancelled"),
    "signed": ("active", "cancelled"),
    "active": ("completed", "cancelled"),
    "completed": (),
    "cancelled": (),
}
# Grants: revoke has its own action with a reason; expiry and suspension are the system's.
GRANT_TRANSITIONS: dict[str, tuple[str, ...]] = {
    "active": ("revoked",),
    "suspended": ("active", "revoked"),
    "revoked": (),
    "expired": (),
}
NDA_EDITABLE = ("draft", "sent", "signed")
_UNSET = object()
MAX_TEXT = 20000


def _refuse_transition(thing: str, current: str, target: str, table: dict) -> None:
    allowed = table.get(current, ())
    if target not in allowed:
        options = ", ".join(allowed) if allowed else "none (it is final)"
        raise Conflict(
            f"Cannot change this {thing} from {current} to {target}. Allowed from {current}: "
            f"{options}."
        )


def _money_field(
    errors: FieldErrors, field: str, amount, currency: str | None, *, positive=True
) -> int | None:
    """Parse one decimal-string amount of the given currency; None when empty."""
    if amount in (None, ""):
        return None
    if not currency:
        errors.add("currency", "is required with an amount")
        return None
    try:
        minor = money.to_minor(amount, currency)
    except money.MoneyError as exc:
        errors.add(field, str(exc))
        return None
    if positive and minor <= 0:
        errors.add(field, "must be above zero")
    elif minor < 0:
        errors.add(field, "cannot be negative")
    return minor


def _currency(errors: FieldErrors, currency: str | None) -> str | None:
    if currency in (None, ""):
        return None
    try:
        return money.validate_currency(currency)
    except money.MoneyError as exc:
        errors.add("currency", str(exc))
        return None


def _text(errors: FieldErrors, field: str, value, limit: int = MAX_TEXT) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        errors.add(field, f"must be at most {limit} characters")
    return value


def _creator(session: Session, creator_id) -> Creator:
    creator = session.get(Creator, creator_id) if isinstance(creator_id, int) else None
    if creator is None:
        raise Invalid({"creator_id": ["is not a known creator"]})
    return creator


# --- products ------------------------------------------------------------------------------


def product_is_released(product: Product, day: date) -> bool:
    """R2: a product is public from its `public_on`; then R1 no longer applies to it."""
    return product.released_on(day)


def get_product(session: Session, product_id: int) -> Product:
    product = session.get(Product, product_id)
    if product is None:
        raise NotFound("No such product.")
    return product


def _clean_aliases(errors: FieldErrors, aliases: Iterable[str] | None) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for alias in aliases or []:
        if not isinstance(alias, str):
            errors.add("aliases", "must be text")
            continue
        alias = alias.strip()
        if not alias:
            continue
        if len(alias) > 100:
            errors.add("aliases", f"“{alias[:20]}…” is longer than 100 characters")
            continue
        if alias.lower() not in seen:
            seen.add(alias.lower())
            out.append(alias)
    if len(out) > 50:
        errors.add("aliases", "at most 50 aliases")
    return out


def _check_product_name(session: Session, errors: FieldErrors, name, product_id=None) -> str:
    name = (name or "").strip()
    if not name:
        errors.add("name", "is required")
    elif len(name) > 200:
        errors.add("name", "must be at most 200 characters")
    else:
        stmt = select(Product.id).where(func.lower(Product.name) == name.lower())
        if product_id is not None:
            stmt = stmt.where(Product.id != product_id)
        if session.scalar(stmt) is not None:
            errors.add("name", "is already used by another product")
    return name


def create_product(
    session: Session, actor, *, name: str, aliases=None, public_on: date | None = None
) -> Product:
    errors = FieldErrors()
    name = _check_product_name(session, errors, name)
    clean = _clean_aliases(errors, aliases)
    errors.raise_if_any()
    product = Product(name=name, aliases=clean, public_on=public_on)
    session.add(product)
    session.flush()
    record(
        session,
        actor,
        "product.create",
        "product",
        product.id,
        {"name": name, "aliases": clean, "public_on": public_on},
    )
    return product


def update_product(session: Session, actor, product: Product, **fields) -> Product:
    """Change name, aliases or public_on; a moved release date is audited and announced."""
    errors = FieldErrors()
    changes: dict = {}
    if "name" in fields:
        name = _check_product_name(session, errors, fields["name"], product.id)
        if name != product.name:
            changes["name"] = [product.name, name]
    if "aliases" in fields:
        clean = _clean_aliases(errors, fields["aliases"])
        if clean != list(product.aliases or []):
            changes["aliases"] = [list(product.aliases or []), clean]
    if "public_on" in fields and fields["public_on"] != product.public_on:
        changes["public_on"] = [product.public_on, fields["public_on"]]
    errors.raise_if_any()
    if not changes:
        return product
    for key, (_old, new) in changes.items():
        setattr(product, key, new)
    session.flush()
    record(session, actor, "product.update", "product", product.id, changes)
    if "public_on" in changes:
        before, after = changes["public_on"]
        release_moved.send(product, session=session, actor=actor, before=before, after=after)
    return product


# --- NDAs ----------------------------------------------------------------------------------


def get_nda(session: Session, nda_id: int) -> Nda:
    nda = session.get(Nda, nda_id)
    if nda is None:
        raise NotFound("No such NDA.")
    return nda


def _products(session: Session, errors: FieldErrors, product_ids) -> list[Product]:
    ids = sorted({int(i) for i in product_ids or []})
    if not ids:
        return []
    found = list(session.scalars(select(Product).where(Product.id.in_(ids))))
    if len(found) != len(ids):
        missing = sorted(set(ids) - {p.id for p in found})
        errors.add("product_ids", f"unknown products: {', '.join(map(str, missing))}")
    return sorted(found, key=lambda p: p.name.lower())


def _check_nda_dates(errors: FieldErrors, effective_on, expires_on, status: str) -> None:
    if effective_on and expires_on and expires_on < effective_on:
        errors.add("expires_on", "must be on or after the effective date")
    if status == "signed" and not effective_on:
        errors.add("effective_on", "is required for a signed NDA")


def nda_snapshot(nda: Nda) -> dict:
    return {
        "status": nda.status,
        "effective_on": nda.effective_on,
        "expires_on": nda.expires_on,
        "terms": nda.terms,
        "product_ids": sorted(p.id for p in nda.products),
    }


def create_nda(
    session: Session,
    actor,
    *,
    creator_id: int,
    product_ids=(),
    effective_on: date | None = None,
    expires_on: date | None = None,
    terms: str = "",
) -> Nda:
    errors = FieldErrors()
    creator = _creator(session, creator_id)
    products = _products(session, errors, product_ids)
    terms = _text(errors, "terms", terms)
    _check_nda_dates(errors, effective_on, expires_on, "draft")
    errors.raise_if_any()
    nda = Nda(
        creator_id=creator.id,
        status="draft",
        effective_on=effective_on,
        expires_on=expires_on,
        terms=terms,
        products=products,
    )
    session.add(nda)
    session.flush()
    record(
        session, actor, "nda.create", "nda", nda.id, nda_snapshot(nda) | {"creator_id": creator.id}
    )
    return nda


def update_nda(session: Session, actor, nda: Nda, **fields) -> Nda:
    """Edit dates, terms, covered products. A signed NDA may change only if every active grant
    that depends on it would still pass R1 (so an edit never silently uncovers a grant)."""
    if nda.status not in NDA_EDITABLE:
        raise Conflict(f"An NDA that is {nda.status} can no longer be edited.")
    errors = FieldErrors()
    before = nda_snapshot(nda)
    effective_on = fields.get("effective_on", nda.effective_on)
    expires_on = fields.get("expires_on", nda.expires_on)
    products = (
        _products(session, errors, fields["product_ids"]) if "product_ids" in fields else None
    )
    terms = _text(errors, "terms", fields["terms"]) if "terms" in fields else nda.terms
    _check_nda_dates(errors, effective_on, expires_on, nda.status)
    errors.raise_if_any()
    if nda.status == "signed":
        covered = {p.id for p in (products if products is not None else nda.products)}
        for grant in dependent_grants(session, nda, statuses=("active",)):
            problem = nda_problem(
                nda, grant.product, grant.starts_on, grant.ends_on,
                covered_ids=covered, effective_on=effective_on, expires_on=expires_on,
            )  # fmt: skip
            if problem:
                raise Conflict(f"This change would leave grant #{grant.id} uncovered: {problem}")
    nda.effective_on, nda.expires_on, nda.terms = effective_on, expires_on, terms
    if products is not None:
        nda.products = products
    session.flush()
    changes = {k: v for k, v in _diff(before, nda_snapshot(nda)).items()}
    if changes:
        record(session, actor, "nda.update", "nda", nda.id, changes)
    return nda


def _diff(before: dict, after: dict) -> dict:
    return {k: [before.get(k), after[k]] for k in after if before.get(k) != after[k]}


def transition_nda(session: Session, actor, nda: Nda, target: str, today: date) -> Nda:
    """Move an NDA along `NDA_TRANSITIONS`; terminating it applies R2 at once."""
    _refuse_transition("NDA", nda.status, target, NDA_TRANSITIONS)
    if target == "signed":
        errors = FieldErrors()
        _check_nda_dates(errors, nda.effective_on, nda.expires_on, "signed")
        if not nda.products:
            errors.add("product_ids", "a signed NDA must cover at least one product")
        errors.raise_if_any()
    before = nda.status
    nda.status = target
    if target == "terminated":
        nda.ended_on = today
    session.flush()
    record(session, actor, f"nda.{_verb(target)}", "nda", nda.id, {"status": [before, target]})
    if target == "terminated":
        suspended = suspend_dependent_grants(
            session, actor, nda, today, f"NDA #{nda.id} was terminated"
        )
        nda_ended.send(nda, session=session, actor=actor, reason="terminated", suspended=suspended)
    return nda


def edit_nda(session: Session, actor: Actor, nda: Nda, changes: dict, today: date) -> Nda:
    """One edit of an NDA (the API's PATCH): fields as `update_nda`, then a `status` other
    than the current one as `transition_nda`; the same status again changes nothing."""
    fields = dict(changes)
    target = fields.pop("status", None)
    if fields:
        update_nda(session, actor, nda, **fields)
    if target is not None and target != nda.status:
        transition_nda(session, actor, nda, target, today)
    return nda


def _verb(status: str) -> str:
    return {
        "sent": "send",
        "signed": "sign",
        "draft": "reopen",
        "terminated": "terminate",
        "expired": "expire",
    }.get(status, status)


def expire_ndas(session: Session, today: date, actor=None) -> list[Nda]:
    """Date-driven, run daily: signed NDAs whose `expires_on` is before `today` expire, and
    R2 suspends the active grants that depend on them. Running it twice changes nothing."""
    actor = actor or system_actor("agreements-expiry")
    stmt = (
        select(Nda)
        .where(Nda.status == "signed", Nda.expires_on.is_not(None), Nda.expires_on < today)
        .order_by(Nda.id)
        .with_for_update(of=Nda)
    )
    expired = list(session.scalars(stmt))
    for nda in expired:
        nda.status = "expired"
        nda.ended_on = nda.expires_on + timedelta(days=1)
        session.flush()
        record(session, actor, "nda.expire", "nda", nda.id, {"status": ["signed", "expired"]})
        suspended = suspend_dependent_grants(
            session, actor, nda, today, f"NDA #{nda.id} expired on {nda.expires_on}"
        )
        nda_ended.send(nda, session=session, actor=actor, reason="expired", suspended=suspended)
    return expired


def dependent_grants(session: Session, nda: Nda, statuses=("active",)) -> list[Grant]:
    stmt = (
        select(Grant).where(Grant.nda_id == nda.id, Grant.status.in_(statuses)).order_by(Grant.id)
    )
    return list(session.scalars(stmt))


def suspend_dependent_grants(
    session: Session, actor, nda: Nda, today: date, reason: str
) -> list[Grant]:
    """R2: active grants that rely on this NDA are suspended, unless their product is public
    by now (its release lifts R1) or the grant has already run out (expiry handles it)."""
    suspended = []
    for grant in dependent_grants(session, nda):
        if product_is_released(grant.product, today) or grant.ends_on < today:
            continue
        grant.status = "suspended"
        grant.ended_on = today
        suspended.append(grant)
        session.flush()
        record(
            session,
            actor,
            "grant.suspend",
            "grant",
            grant.id,
            {"status": ["active", "suspended"], "reason": reason, "nda_id": nda.id},
        )
    return suspended


# --- grants (R1) ---------------------------------------------------------------------------


def nda_problem(
    nda: Nda,
    product: Product,
    starts_on: date,
    ends_on: date,
    *,
    covered_ids: set[int] | None = None,
    effective_on=_UNSET,
    expires_on=_UNSET,
) -> str | None:
    """What stops this NDA from permitting a grant of `product` over [starts_on, ends_on],
    or None when it does. Overrides let an edit be checked before it is applied."""
    if nda.status != "signed":
        return f"NDA #{nda.id} is not signed (it is {nda.status})"
    covered = covered_ids if covered_ids is not None else {p.id for p in nda.products}
    if product.id not in covered:
        return f"NDA #{nda.id} does not cover {product.name}"
    eff = nda.effective_on if effective_on is _UNSET else effective_on
    exp = nda.expires_on if expires_on is _UNSET else expires_on
    problems = []
    if eff is None or eff > starts_on:
        problems.append(
            f"NDA #{nda.id} starts on {eff or 'no date'}, after the grant starts on {starts_on}"
        )
    if exp is not None and exp < ends_on:
        problems.append(f"NDA #{nda.id} ends on {exp}, before the grant ends on {ends_on}")
    return "; ".join(problems) or None


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
    fitting = [n for n in covering if nda_problem(n, product, starts_on, ends_on) is None]
    if fitting:
        # The one that lasts longest, so the grant is least likely to be suspended early.
        return max(fitting, key=lambda n: (n.expires_on or date.max, n.id))
    closest = min(
        covering,
        key=lambda n: (nda_problem(n, product, starts_on, ends_on).count(";"), -n.id),
    )
    raise Conflict(prefix + nda_problem(closest, product, starts_on, ends_on) + ".")


def get_grant(session: Session, grant_id: int) -> Grant:
    grant = session.get(Grant, grant_id)
    if grant is None:
        raise NotFound("No such grant.")
    return grant


def grant_snapshot(grant: Grant) -> dict:
    return {
        "status": grant.status,
        "product_id": grant.product_id,
        "nda_id": grant.nda_id,
        "starts_on": grant.starts_on,
        "ends_on": grant.ends_on,
        "tier": grant.tier,
        "monthly_value": None
        if grant.monthly_value_minor is None
        else money.to_decimal_string(grant.monthly_value_minor, grant.currency),
        "currency": grant.currency,
    }


def _grant_fields(session: Session, errors: FieldErrors, fields: dict, grant: Grant | None):
    out: dict = {}
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


def create_grant(session: Session, actor, *, creator_id: int, **fields) -> Grant:
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


def update_grant(session: Session, actor, grant: Grant, today: date, **fields) -> Grant:
    """Edit a grant; a period or NDA change re-runs R1. `status: "active"` resumes a suspended
    grant (R1 again, e.g. under a new NDA); `revoked` goes through `revoke_grant`."""
    target = fields.pop("status", None)
    if target is not None and target != grant.status:
        _refuse_transition("grant", grant.status, target, GRANT_TRANSITIONS)
        if target == "revoked":
            raise Invalid({"status": ["use revoke, which needs a reason"]})
    if grant.status in ("revoked", "expired"):
        raise Conflict(f"A grant that is {grant.status} can no longer be changed.")
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
        creator = session.get(Creator, grant.creator_id)
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
    return grant


def revoke_grant(session: Session, actor, grant: Grant, reason: str, today: date) -> Grant:
    reason = (reason or "").strip()
    if not reason:
        raise Invalid({"reason": ["is required"]})
    if len(reason) > 2000:
        raise Invalid({"reason": ["must be at most 2000 characters"]})
    _refuse_transition("grant", grant.status, "revoked", GRANT_TRANSITIONS)
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
    return grant


def expire_grants(session: Session, today: date, actor=None) -> list[Grant]:
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
    return expired


def expire_agreements(session: Session, today: date, actor=None) -> dict:
    """The daily job: grants first (so a grant that ran out is expired, not suspended), then
    NDAs (R2 suspends what still depended on them)."""
    grants = expire_grants(session, today, actor)
    ndas = expire_ndas(session, today, actor)
    return {"grants_expired": len(grants), "ndas_expired": len(ndas)}


# --- deals and payments --------------------------------------------------------------------


def get_deal(session: Session, deal_id: int) -> Deal:
    deal = session.get(Deal, deal_id)
    if deal is None:
        raise NotFound("No such deal.")
    return deal


def deal_snapshot(deal: Deal) -> dict:
    def dec(minor):
        return None if minor is None else money.to_decimal_string(minor, deal.currency)

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
)


def _deal_values(session: Session, errors: FieldErrors, creator_id: int, fields: dict, deal):
    def current(name, default=None):
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

    v: dict = {}
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


def _dec(minor, currency):
    return None if minor is None or not currency else money.to_decimal_string(minor, currency)


def create_deal(session: Session, actor, *, creator_id: int, **fields) -> Deal:
    errors = FieldErrors()
    creator = _creator(session, creator_id)
    unknown = set(fields) - set(_DEAL_FIELDS)
    if unknown:
        raise Invalid({k: ["is not a field you can set"] for k in sorted(unknown)})
    v = _deal_values(session, errors, creator.id, fields, None)
    errors.raise_if_any()
    deal = Deal(creator_id=creator.id, status="proposed")
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


def _apply_deal(deal: Deal, v: dict) -> None:
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


def update_deal(session: Session, actor, deal: Deal, **fields) -> Deal:
    """Edit a deal; `status` moves along DEAL_TRANSITIONS. Finished deals are read-only."""
    target = fields.pop("status", None)
    if target is not None and target not in DEAL_STATUSES:
        raise Invalid({"status": [f"must be one of {', '.join(DEAL_STATUSES)}"]})
    if target is not None and target != deal.status:
        _refuse_transition("deal", deal.status, target, DEAL_TRANSITIONS)
    elif deal.status in ("completed", "cancelled") and fields:
        raise Conflict(f"A deal that is {deal.status} can no longer be edited.")
    if fields:
        if deal.payments and "currency" in fields and fields["currency"] != deal.currency:
            raise Invalid({"currency": ["cannot change once payments are scheduled"]})
        errors = FieldErrors()
        v = _deal_values(session, errors, deal.creator_id, fields, deal)
        errors.raise_if_any()
    before = deal_snapshot(deal)
    if fields:
        _apply_deal(deal, v)
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
    actor,
    deal: Deal,
    *,
    due_on: date | None,
    amount,
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


def mark_paid(session: Session, actor, payment: Payment, paid_on: date) -> Payment:
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
    return payment
