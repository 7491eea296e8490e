"""Consent records: one per use and scope, recorded and revoked, never edited (R10 reads
them; see `resolution`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from crm.audit.services import record
from crm.common.actor import Actor
from crm.common.errors import Conflict, FieldErrors, Invalid, NotFound
from crm.common.ids import parse_id
from crm.creators.models import Creator
from crm.licensing.models import (
    CONSENT_SOURCES,
    DECISIONS,
    USES,
    WORK_KINDS,
    Consent,
    Work,
)
from crm.licensing.receipt_mail import email_receipts


def get_consent(session: Session, consent_id: int) -> Consent:
    consent = session.get(Consent, consent_id)
    if consent is None:
        raise NotFound("No such consent record.")
    return consent


def consent_json_changes(c: Consent) -> dict:
    return {
        "creator_id": c.creator_id,
        "work_id": c.work_id,
        "kind": c.kind,
        "use": c.use,
        "decision": c.decision,
        "constraint": c.constraint,
        "source": c.source,
        "evidence": c.evidence,
        "effective_on": c.effective_on,
    }


SCOPE_FORMS = '"all", "kind:<kind>" or "work:<id>"'


def parse_scope(scope: str, errors: FieldErrors) -> tuple[int | None, str | None]:
    """What a consent applies to, written as one value (the consent form's choice, or the
    API's `scope`): "all", "kind:<kind>" or "work:<id>" → (work_id, kind). Anything else
    adds an error on `scope`."""
    name, _, value = (scope or "").strip().partition(":")
    if name == "all" and not value:
        return None, None
    if name == "kind" and value:
        return None, value
    work_id = parse_id(value) if name == "work" else None
    if work_id is not None:
        return work_id, None
    errors.add("scope", f"must be {SCOPE_FORMS}")
    return None, None


def create_consent(
    session: Session,
    actor: Actor,
    *,
    creator_id: int | None,
    use: str | None,
    decision: str | None,
    source: str | None,
    effective_on: date | None,
    work_id: int | None = None,
    kind: str | None = None,
    constraint: str | None = "",
    evidence: str | None = "",
    scope: str | None = None,
    notify: bool = True,
) -> Consent:
    """A consent for one use; scope: `work_id`, or `kind`, or neither (all works) — or
    `scope` in one value (see `parse_scope`). `notify`: email the creator the signed
    receipt (through the outbox)."""
    errors = FieldErrors()
    if scope is not None:
        if work_id is not None or kind:
            errors.add("scope", "give a scope, or a work_id or kind, not both")
        else:
            work_id, kind = parse_scope(scope, errors)
    creator = session.get(Creator, creator_id) if creator_id else None
    if creator is None:
        errors.add("creator_id", "is not a known creator")
    if work_id is not None and kind:
        errors.add("kind", "give a work or a kind, not both")
    if work_id is not None:
        work = session.get(Work, work_id)
        if work is None or (creator is not None and work.creator_id != creator.id):
            errors.add("work_id", "is not one of this creator's works")
    if kind and kind not in WORK_KINDS:
        errors.add("kind", f"must be one of {', '.join(WORK_KINDS)}")
    if use not in USES:
        errors.add("use", f"must be one of {', '.join(USES)}")
    if decision not in DECISIONS:
        errors.add("decision", f"must be one of {', '.join(DECISIONS)}")
    constraint = (constraint or "").strip()
    if decision == "constrained" and not constraint:
        errors.add("constraint", "is required when the decision is constrained")
    if source not in CONSENT_SOURCES:
        errors.add("source", f"must be one of {', '.join(CONSENT_SOURCES)}")
    if effective_on is None:
        errors.add("effective_on", "is required")
    errors.raise_if_any()
    assert creator is not None  # refused above when missing
    consent = Consent(
        creator_id=creator.id,
        work_id=work_id,
        kind=kind or None,
        use=use,
        decision=decision,
        constraint=constraint,
        source=source,
        evidence=(evidence or "").strip(),
        effective_on=effective_on,
        created_by_id=getattr(actor, "id", None),
    )
    session.add(consent)
    session.flush()
    record(session, actor, "consent.create", "consent", consent.id, consent_json_changes(consent))
    if notify:
        email_receipts(session, [consent], "create")
    return consent


def record_consents(
    session: Session, actor: Actor, *, uses: Sequence[str], **consent: Any
) -> list[Consent]:
    """The same consent for several uses at once (one record per use), all or none; the
    other arguments are those of `create_consent`. One email gives the creator every
    receipt."""
    notify = consent.pop("notify", True)
    made = [create_consent(session, actor, use=use, notify=False, **consent) for use in uses]
    if notify:
        email_receipts(session, made, "create")
    return made


def revoke_consent(
    session: Session,
    actor: Actor,
    consent: Consent,
    revoked_on: date | None,
    *,
    notify: bool = True,
) -> Consent:
    """From `revoked_on` on, the record no longer decides anything; history stays. The
    creator is emailed the revocation's receipt unless `notify` is false."""
    if consent.revoked_on is not None:
        raise Conflict(f"Consent #{consent.id} was already revoked on {consent.revoked_on}.")
    if revoked_on is None:
        raise Invalid({"revoked_on": ["is required"]})
    if revoked_on < consent.effective_on:
        raise Invalid({"revoked_on": [f"must be on or after {consent.effective_on}"]})
    consent.revoked_on = revoked_on
    session.flush()
    record(
        session, actor, "consent.revoke", "consent", consent.id, {"revoked_on": [None, revoked_on]}
    )
    if notify:
        email_receipts(session, [consent], "revoke")
    return consent


def list_consents_stmt(
    creator_id: int | None = None, work_id: int | None = None, use: str | None = None
) -> Select[Consent]:
    stmt = select(Consent)
    if creator_id is not None:
        stmt = stmt.where(Consent.creator_id == creator_id)
    if work_id is not None:
        stmt = stmt.where(Consent.work_id == work_id)
    if use is not None:
        stmt = stmt.where(Consent.use == use)
    return stmt
