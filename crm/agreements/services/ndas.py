"""NDAs: lifecycle, covered products, expiry and termination (R2 suspends dependent grants)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.agreements.models import (
    Grant,
    Nda,
    Product,
    terms_sha256,
)
from crm.agreements.services._common import (
    _UNSET,
    NDA_EDITABLE,
    NDA_TRANSITIONS,
    _creator,
    _diff,
    _refuse_transition,
    _text,
    _Unset,
)
from crm.agreements.services.products import product_is_released
from crm.agreements.signals import nda_ended, nda_sent, nda_terms_changed
from crm.audit.services import record, system_actor
from crm.common.actor import Actor
from crm.common.clearance import hidden_for, unfiltered
from crm.common.errors import Conflict, FieldErrors, Forbidden, NotFound
from crm.common.labels import phrase
from crm.reminders.services import resolve


def get_nda(session: Session, nda_id: int) -> Nda:
    nda = session.get(Nda, nda_id)
    if nda is None:
        raise NotFound("No such NDA.")
    return nda


def _products(
    session: Session, errors: FieldErrors, product_ids: Iterable[int | str] | None
) -> list[Product]:
    ids = sorted({int(i) for i in product_ids or []})
    if not ids:
        return []
    found = list(session.scalars(select(Product).where(Product.id.in_(ids))))
    if len(found) != len(ids):
        missing = sorted(set(ids) - {p.id for p in found})
        errors.add("product_ids", f"unknown products: {', '.join(map(str, missing))}")
    return sorted(found, key=lambda p: p.name.lower())


def _check_nda_dates(
    errors: FieldErrors, effective_on: date | None, expires_on: date | None, status: str
) -> None:
    if effective_on and expires_on and expires_on < effective_on:
        errors.add("expires_on", "must be on or after the effective date")
    if status == "signed" and not effective_on:
        errors.add("effective_on", "is required for a signed NDA")


def nda_snapshot(nda: Nda) -> dict[str, Any]:
    return {
        "status": nda.status,
        "effective_on": nda.effective_on,
        "expires_on": nda.expires_on,
        "terms": nda.terms,
        "product_ids": sorted(p.id for p in nda.products),
    }


def create_nda(
    session: Session,
    actor: Actor,
    *,
    creator_id: int,
    product_ids: Iterable[int | str] = (),
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


def update_nda(session: Session, actor: Actor, nda: Nda, **fields: Any) -> Nda:
    """Edit dates, terms, covered products. A signed NDA may change only if every active grant
    that depends on it would still pass R1 (so an edit never silently uncovers a grant)."""
    if nda.status not in NDA_EDITABLE:
        raise Conflict(
            f"An NDA that is {phrase(nda.status, 'nda_status')} can no longer be edited."
        )
    if hidden_for(session, actor).ids & {p.id for p in nda.products}:
        # What they see of it is redacted: saving it back would rewrite its products and terms.
        raise Forbidden(
            "This NDA also covers a restricted product; an admin or a cleared colleague "
            "can change it."
        )
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
                signature=False,
            )  # fmt: skip
            if problem:
                raise Conflict(f"This change would leave grant #{grant.id} uncovered: {problem}")
    nda.effective_on, nda.expires_on, nda.terms = effective_on, expires_on, terms
    if products is not None:
        nda.products = products
    session.flush()
    changes: dict[str, Any] = dict(_diff(before, nda_snapshot(nda)))
    if changes and nda.needs_resignature:
        changes["resignature_needed"] = True
    if changes:
        record(session, actor, "nda.update", "nda", nda.id, changes)
    if "terms" in changes and nda.status in ("sent", "signed"):
        nda_terms_changed.send(
            nda, session=session, actor=actor,
            before=terms_sha256(before["terms"]), after=nda.terms_sha256,
        )  # fmt: skip
    if "expires_on" in changes:
        resolve(
            session, actor, ("nda", nda.id), rules=EXPIRY_RULES,
            reason=f"the NDA now expires on {nda.expires_on or 'no date'}",
        )  # fmt: skip
    return nda


def _check_signing(
    errors: FieldErrors,
    nda: Nda,
    signed_on: object,
    on_paper: bool,
    today: date,
    electronic: bool = False,
) -> None:
    """Signing records the day it was signed and needs the signed PDF, the explicit
    confirmation that the paper original is on file, or (the portal's click signature)
    the signature record the caller writes in the same transaction."""
    if not isinstance(signed_on, date):
        errors.add("signed_on", "give the day the NDA was signed")
    elif signed_on > today:
        errors.add("signed_on", "cannot be in the future")
    elif today.year - signed_on.year > 50:
        errors.add("signed_on", "is too far in the past")
    if not nda.document_path and not on_paper and not electronic:
        errors.add(
            "signed_on_paper",
            "upload the signed PDF first, or confirm the paper original is on file",
        )


def transition_nda(
    session: Session,
    actor: Actor,
    nda: Nda,
    target: str,
    today: date,
    *,
    signed_on: date | None = None,
    on_paper: bool = False,
    electronic: bool = False,
) -> Nda:
    """Move an NDA along `NDA_TRANSITIONS`; terminating it applies R2 at once. Signing it
    needs `signed_on` and the document, `on_paper`, or `electronic` (the caller records the
    creator's signature evidence; see `_check_signing`)."""
    _refuse_transition(NDA_TRANSITIONS, nda.status, target)
    changes: dict[str, Any] = {"status": [nda.status, target]}
    if target == "signed":
        errors = FieldErrors()
        _check_nda_dates(errors, nda.effective_on, nda.expires_on, "signed")
        if not nda.products:
            errors.add("product_ids", "a signed NDA must cover at least one product")
        _check_signing(errors, nda, signed_on, on_paper, today, electronic)
        errors.raise_if_any()
        nda.signed_on = signed_on
        nda.signed_on_paper = not nda.document_path and on_paper
        nda.signed_terms_sha256 = nda.terms_sha256
        changes["signed_on"] = [None, signed_on]
        changes["signed_on_paper"] = nda.signed_on_paper
        changes["signed_terms_sha256"] = nda.signed_terms_sha256
    nda.status = target
    if target == "terminated":
        nda.ended_on = today
    session.flush()
    record(session, actor, f"nda.{_verb(target)}", "nda", nda.id, changes)
    if target == "signed":
        close_renewed(session, actor, nda)
    if target == "sent":
        nda_sent.send(nda, session=session, actor=actor)
    if target == "terminated":
        resolve(session, actor, ("nda", nda.id), rules=EXPIRY_RULES, reason="the NDA ended")
        suspended = suspend_dependent_grants(
            session, actor, nda, today, f"NDA #{nda.id} was terminated"
        )
        nda_ended.send(nda, session=session, actor=actor, reason="terminated", suspended=suspended)
    return nda


def record_resignature(session: Session, actor: Actor, nda: Nda, signed_terms: str) -> Nda:
    """A new signature of a signed NDA over `signed_terms`, its current terms: R1 honours it
    again. Refused when the terms signed are not the ones it holds now."""
    if nda.status != "signed":
        raise Conflict(f"Only a signed NDA can be signed again (this one is {nda.status}).")
    digest = terms_sha256(signed_terms)
    if digest != nda.terms_sha256:
        raise Conflict("The terms signed are not the NDA's current terms.")
    before = nda.signed_terms_sha256
    nda.signed_terms_sha256 = digest
    session.flush()
    record(session, actor, "nda.resign", "nda", nda.id, {"signed_terms_sha256": [before, digest]})
    return nda


def edit_nda(session: Session, actor: Actor, nda: Nda, changes: dict[str, Any], today: date) -> Nda:
    """One edit of an NDA (the API's PATCH): fields as `update_nda`, then a `status` other
    than the current one as `transition_nda`; the same status again changes nothing."""
    fields = dict(changes)
    target = fields.pop("status", None)
    signed_on = fields.pop("signed_on", None)
    on_paper = bool(fields.pop("signed_on_paper", False))
    if fields:
        update_nda(session, actor, nda, **fields)
    if target is not None and target != nda.status:
        transition_nda(session, actor, nda, target, today, signed_on=signed_on, on_paper=on_paper)
    return nda


def _verb(status: str) -> str:
    return {
        "sent": "send",
        "signed": "sign",
        "draft": "reopen",
        "terminated": "terminate",
        "expired": "expire",
    }.get(status, status)


def expire_ndas(session: Session, today: date, actor: Actor | None = None) -> list[Nda]:
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
        expires_on = nda.expires_on
        assert expires_on is not None  # the query selects dated NDAs only
        nda.status = "expired"
        nda.ended_on = expires_on + timedelta(days=1)
        session.flush()
        record(session, actor, "nda.expire", "nda", nda.id, {"status": ["signed", "expired"]})
        resolve(session, actor, ("nda", nda.id), rules=EXPIRY_RULES, reason="the NDA expired")
        suspended = suspend_dependent_grants(
            session, actor, nda, today, f"NDA #{nda.id} expired on {expires_on}"
        )
        nda_ended.send(nda, session=session, actor=actor, reason="expired", suspended=suspended)
    return expired


EXPIRY_RULES = ("nda-expiring",)


def close_renewed(session: Session, actor: Actor, nda: Nda) -> None:
    """A newly signed NDA renews the creator's earlier signed ones it outlasts and whose
    products it covers: their "expires soon" tasks close."""
    covered = {p.id for p in nda.products}
    earlier = session.scalars(
        select(Nda).where(
            Nda.creator_id == nda.creator_id, Nda.id != nda.id, Nda.status == "signed"
        )
    )
    for old in earlier:
        outlasts = nda.expires_on is None or (
            old.expires_on is not None and old.expires_on <= nda.expires_on
        )
        if outlasts and {p.id for p in old.products} <= covered:
            resolve(
                session, actor, ("nda", old.id), rules=EXPIRY_RULES,
                reason=f"renewed by NDA #{nda.id}",
            )  # fmt: skip


def dependent_grants(
    session: Session, nda: Nda, statuses: Iterable[str] = ("active",)
) -> list[Grant]:
    stmt = (
        select(Grant).where(Grant.nda_id == nda.id, Grant.status.in_(statuses)).order_by(Grant.id)
    )
    # R1 and R2 hold for every grant, also those of products the actor is not cleared for:
    # ending an NDA suspends them all, and an edit may not leave any of them uncovered.
    return list(session.scalars(stmt, execution_options=unfiltered()))


def suspend_dependent_grants(
    session: Session, actor: Actor, nda: Nda, today: date, reason: str
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


def nda_problem(
    nda: Nda,
    product: Product,
    starts_on: date,
    ends_on: date,
    *,
    covered_ids: set[int] | None = None,
    effective_on: date | _Unset | None = _UNSET,
    expires_on: date | _Unset | None = _UNSET,
    signature: bool = True,
) -> str | None:
    """What stops this NDA from permitting a grant of `product` over [starts_on, ends_on],
    or None when it does. Overrides let an edit be checked before it is applied (without
    `signature`, terms changed since the signature are left to the grant checks)."""
    if nda.status != "signed":
        return f"NDA #{nda.id} is not signed (it is {phrase(nda.status, 'nda_status')})"
    if signature and nda.needs_resignature:
        return (
            f"NDA #{nda.id}'s terms changed after it was signed, so it needs a new "
            "signature (re-signature needed)"
        )
    covered = covered_ids if covered_ids is not None else {p.id for p in nda.products}
    if product.id not in covered:
        return f"NDA #{nda.id} does not cover {product.name}"
    eff = nda.effective_on if isinstance(effective_on, _Unset) else effective_on
    exp = nda.expires_on if isinstance(expires_on, _Unset) else expires_on
    problems = []
    if eff is None or eff > starts_on:
        problems.append(
            f"NDA #{nda.id} starts on {eff or 'no date'}, after the grant starts on {starts_on}"
        )
    if exp is not None and exp < ends_on:
        problems.append(f"NDA #{nda.id} ends on {exp}, before the grant ends on {ends_on}")
    return "; ".join(problems) or None
