"""Conflicts between the signals a scan stored and the consent we hold: a signal refusing a
use that our effective decision allows or constrains. Listed for legal, named by a stable
key, and settled one by one (`resolve_conflict`). Apart from signals_scan.py, which reads
and stores the signals, because settling them is its own concern."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.audit.services import record
from crm.common.actor import Actor
from crm.common.errors import Conflict, FieldErrors, NotFound
from crm.creators.models import Creator
from crm.licensing import services, standards
from crm.licensing.models import CONFLICT_RESOLUTIONS, ConflictResolution, Consent, SiteSignal, Work

MAX_CONFLICTS = 500


def conflict_key(
    creator_id: int, work_id: int | None, site: str, source: str, use: str, consent_id: int | None
) -> str:
    """Names one conflict: the signal (who, which work, where, how, which use) and the
    consent record it contradicts."""
    raw = json.dumps([creator_id, work_id, site, source, use, consent_id])
    return hashlib.sha256(raw.encode()).hexdigest()


def conflicts(
    session: Session,
    day: date,
    *,
    creator_id: int | None = None,
    include_resolved: bool = False,
    limit: int = MAX_CONFLICTS,
) -> list[dict[str, Any]]:
    """Signals that refuse a use our decision allows or constrains (the work's decision
    for a C2PA manifest, the creator-wide one for a site), oldest first, at most `limit`.
    Settled ones are left out unless `include_resolved`."""
    stmt = (
        select(SiteSignal)
        .where(SiteSignal.decision == "not_allowed")
        .order_by(SiteSignal.creator_id, SiteSignal.id)
    )
    if creator_id is not None:
        stmt = stmt.where(SiteSignal.creator_id == creator_id)
    signals = list(session.scalars(stmt.limit(limit * 4)))
    creators = {
        c.id: c
        for c in session.scalars(
            select(Creator).where(Creator.id.in_({s.creator_id for s in signals}))
        )
    }
    works = {
        w.id: w
        for w in session.scalars(
            select(Work).where(Work.id.in_({s.work_id for s in signals if s.work_id}))
        )
    }
    decided: dict[tuple[str, int], dict[str, Any]] = {}
    candidates: list[tuple[SiteSignal, Any, str]] = []
    for s in signals:
        creator = creators.get(s.creator_id)
        if creator is None:
            continue
        work = works.get(s.work_id) if s.work_id else None
        scope = ("work", work.id) if work is not None else ("creator", creator.id)
        if scope not in decided:
            decided[scope] = (
                standards.work_decisions(session, work, day)
                if work is not None
                else standards.creator_decisions(session, creator, day, licensable=False)
            )
        # A conflict is between the creator's signal and our consent record, whether or not
        # the work is licensable: legal settles the record.
        res = decided[scope][s.use]
        if res.consent_decision not in ("allowed", "constrained"):
            continue
        consent_id = res.consent.id if res.consent else None
        key = conflict_key(s.creator_id, s.work_id, s.site, s.source, s.use, consent_id)
        candidates.append((s, res, key))
    settled = {
        r.key: r
        for r in session.scalars(
            select(ConflictResolution).where(
                ConflictResolution.key.in_([k for _s, _r, k in candidates])
            )
        )
    }
    out: list[dict[str, Any]] = []
    for s, res, key in candidates:
        resolution = settled.get(key)
        if resolution is not None and not include_resolved:
            continue
        out.append(
            {
                "key": key,
                "creator_id": s.creator_id,
                "creator": creators[s.creator_id].display_name,
                "work_id": s.work_id,
                "site": s.site,
                "source": s.source,
                "use": s.use,
                "site_says": s.decision,
                "recorded": res.consent_decision,
                "consent_id": res.consent.id if res.consent else None,
                "evidence": s.evidence,
                "url": s.url,
                "sha256": s.sha256,
                "fetched_at": s.fetched_at.isoformat(),
                "resolution": resolution.resolution if resolution else None,
            }
        )
        if len(out) >= limit:
            break
    return out


def resolve_conflict(
    session: Session,
    actor: Actor,
    key: str,
    resolution: str,
    note: str,
    day: date,
    revoked_on: date | None = None,
) -> ConflictResolution:
    """Settle an open conflict: keep our record (`consent_kept`, with the reason in
    `note`), or revoke the consent it was against from `revoked_on` (`consent_revoked`).
    Audited; the conflict leaves the open list."""
    errors = FieldErrors()
    if resolution not in CONFLICT_RESOLUTIONS:
        errors.add("resolution", f"must be one of {', '.join(CONFLICT_RESOLUTIONS)}")
    note = (note or "").strip()
    if resolution == "consent_kept" and not note:
        errors.add("note", "say why our record stands against the creator's signal")
    if len(note) > 2000:
        errors.add("note", "must be at most 2000 characters")
    errors.raise_if_any()
    found = next((c for c in conflicts(session, day) if c["key"] == key), None)
    if found is None:
        if session.scalar(select(ConflictResolution.id).where(ConflictResolution.key == key)):
            raise Conflict("This conflict is already settled.")
        raise NotFound("No such open conflict.")
    if resolution == "consent_revoked":
        consent = session.get(Consent, found["consent_id"]) if found["consent_id"] else None
        if consent is None:
            raise Conflict("No consent record to revoke: the decision comes from no record.")
        services.revoke_consent(session, actor, consent, revoked_on or day)
    settled = ConflictResolution(
        key=key,
        creator_id=found["creator_id"],
        work_id=found["work_id"],
        site=found["site"][:2000],
        source=found["source"],
        use=found["use"],
        consent_id=found["consent_id"],
        resolution=resolution,
        note=note,
        resolved_by_id=getattr(actor, "id", None),
    )
    session.add(settled)
    session.flush()
    record(
        session,
        actor,
        "consent.conflict_resolve",
        "creator",
        found["creator_id"],
        {
            "use": found["use"],
            "source": found["source"],
            "site": found["site"][:200],
            "consent_id": found["consent_id"],
            "resolution": resolution,
        },
    )
    return settled
