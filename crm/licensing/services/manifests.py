"""The dataset manifest of a licence, per payout period, frozen once.

A manifest lists the works a licence covers on the period's reckoning day (the period's
last day inside the licence's term, as for payouts) — consent (R10) and the licensable set
(rights and releases) both hold for every use of the licence — each with its URL, SHA-256,
kind, training metadata, rights, releases and the effective decision for every use.

Frozen: the manifest of a period is stored the first time it is needed once the period is
over — when its payout is recorded, or when it is first requested after the period's last
day — and is never recomputed. A period still running is answered live and not stored. A
work that was in the period frozen before and is not covered now is listed under
`removed`, with why, so a later revocation shows as a removal in the next period's
manifest, never as an edit of a past one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from crm.common.errors import Conflict
from crm.licensing.models import USES, Licence, ManifestPeriod, Release, Work, licence_works
from crm.licensing.services.base import in_chunks, parse_period, today
from crm.licensing.services.licences import (
    covered_work_ids,
    demand_of,
    licence_territory,
    refusals,
)
from crm.licensing.services.resolution import effective


@dataclass
class Manifest:
    licence_id: int
    period: str
    period_start: date
    period_end: date
    as_of: date
    frozen: bool
    records: list[dict] = field(default_factory=list)
    removed: list[dict] = field(default_factory=list)
    frozen_at: str | None = None


def _release_json(r: Release) -> dict:
    # A model release's subject is a person's name: the manifest names the release and its
    # signed document's hash as proof, not the person.
    out = {
        "id": r.id,
        "kind": r.kind,
        "uses": list(r.uses),
        "media": list(r.media),
        "territory": r.territory,
        "signed_on": r.signed_on.isoformat() if r.signed_on else None,
        "expires_on": r.expires_on.isoformat() if r.expires_on else None,
        "document_sha256": r.document_sha256,
    }
    if r.kind == "property":
        out["subject"] = r.subject
    return out


def work_records(session: Session, licence: Licence, work_ids: list[int], day: date) -> list[dict]:
    """One manifest record per work, in id order, with the effective decision of every use
    for the licence's territory."""
    works: list[Work] = []
    for chunk in in_chunks(sorted(work_ids)):
        works.extend(
            session.scalars(
                select(Work)
                .where(Work.id.in_(chunk))
                .options(selectinload(Work.tag_rows), selectinload(Work.releases))
                .order_by(Work.id)
            )
        )
    decided = effective(
        session, works, USES, day, territory=licence_territory(licence), named=False
    )
    records = []
    for w in works:
        in_force = [r for r in w.releases if r.in_force_on(day)]
        records.append(
            {
                "work_id": w.id,
                "url": w.url,
                "sha256": w.sha256,
                "kind": w.kind,
                "title": w.title,
                "created_on": w.created_on.isoformat() if w.created_on else None,
                "tags": w.tags,
                "language": w.language,
                "duration_s": w.duration_s,
                "width": w.width,
                "height": w.height,
                "description": w.description,
                "rights": w.rights,
                "co_holders": list(w.co_holders or []),
                "client_name": w.client_name,
                "relicense_allowed": w.relicense_allowed,
                "people_present": w.people_present,
                "people_count": w.people_count,
                "property_present": w.property_present,
                "releases": [_release_json(r) for r in in_force],
                "decisions": {use: decided[(w.id, use)].decision for use in USES},
            }
        )
    return records


def _reckoning_day(licence: Licence, end: date) -> date:
    return min(end, licence.ends_on) if licence.ends_on else end


def _previous(session: Session, licence: Licence, start: date) -> ManifestPeriod | None:
    return session.scalar(
        select(ManifestPeriod)
        .where(ManifestPeriod.licence_id == licence.id, ManifestPeriod.period_end < start)
        .order_by(ManifestPeriod.period_end.desc())
        .limit(1)
    )


def _removed(
    session: Session,
    licence: Licence,
    previous: ManifestPeriod | None,
    covered: list[int],
    day: date,
) -> list[dict]:
    if previous is None:
        return []
    now = set(covered)
    gone = [r for r in previous.records if r["work_id"] not in now]
    if not gone:
        return []
    ids = [r["work_id"] for r in gone]
    works = list(session.scalars(select(Work).where(Work.id.in_(ids))))
    listed = set(
        session.scalars(
            select(licence_works.c.work_id).where(
                licence_works.c.licence_id == licence.id, licence_works.c.work_id.in_(ids)
            )
        )
    )
    why = refusals(session, works, list(licence.uses), day, demand_of(licence, named=False))
    out = []
    for r in gone:
        reasons = list(why.get(r["work_id"], []))
        if not licence.all_allowed_works and r["work_id"] not in listed:
            reasons.insert(0, "no longer among the licence's works")
        out.append(
            {
                "work_id": r["work_id"],
                "url": r["url"],
                "sha256": r["sha256"],
                "kind": r["kind"],
                "removed_since": previous.period,
                "reasons": reasons or ["no longer covered"],
            }
        )
    return out


def _stored(session: Session, licence: Licence, label: str) -> ManifestPeriod | None:
    return session.scalar(
        select(ManifestPeriod).where(
            ManifestPeriod.licence_id == licence.id, ManifestPeriod.period == label
        )
    )


def _from_stored(m: ManifestPeriod) -> Manifest:
    return Manifest(
        licence_id=m.licence_id,
        period=m.period,
        period_start=m.period_start,
        period_end=m.period_end,
        as_of=m.as_of,
        frozen=True,
        records=list(m.records),
        removed=list(m.removed),
        frozen_at=m.created_at.isoformat() if m.created_at else None,
    )


def freeze(
    session: Session, licence: Licence, label: str, start: date, end: date, frozen_by: str
) -> ManifestPeriod:
    """Store the period's manifest unless it is stored already (then return that one)."""
    existing = _stored(session, licence, label)
    if existing is not None:
        return existing
    day = _reckoning_day(licence, end)
    covered = covered_work_ids(session, licence, day)
    stored = ManifestPeriod(
        licence_id=licence.id,
        period=label,
        period_start=start,
        period_end=end,
        as_of=day,
        records=work_records(session, licence, covered, day),
        removed=_removed(session, licence, _previous(session, licence, start), covered, day),
        frozen_by=frozen_by,
    )
    try:
        with session.begin_nested():
            session.add(stored)
            session.flush()
    except IntegrityError:
        # Another request froze the same period first: its manifest is the one.
        existing = _stored(session, licence, label)
        if existing is None:
            raise
        return existing
    return stored


def manifest(
    session: Session, licence: Licence, period: str | None = None, on: date | None = None
) -> Manifest:
    """The manifest of a period (default: the current month). A period that is over is
    frozen on first request; one still running is computed live and not stored."""
    day_now = on or today()
    label, start, end = parse_period(period or day_now.strftime("%Y-%m"))
    stored = _stored(session, licence, label)
    if stored is not None:
        return _from_stored(stored)
    if not licence.in_force_during(start, end):
        raise Conflict(f"The licence is not in force during {label}.")
    if start > day_now:
        raise Conflict(f"{label} has not started yet; a manifest lists what a period covered.")
    if end < day_now:
        return _from_stored(freeze(session, licence, label, start, end, "request"))
    day = _reckoning_day(licence, day_now)
    covered = covered_work_ids(session, licence, day)
    return Manifest(
        licence_id=licence.id,
        period=label,
        period_start=start,
        period_end=end,
        as_of=day,
        frozen=False,
        records=work_records(session, licence, covered, day),
        removed=_removed(session, licence, _previous(session, licence, start), covered, day),
    )
