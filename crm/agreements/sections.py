"""What agreements add to other pages: the creator page section, timeline entries, the home
panel and the navigation badge."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from flask import url_for

from crm.agreements import clearance, queries, services
from crm.common import money
from crm.common.labels import label
from crm.common.memo import per_request
from crm.common.permissions import EDITORS, EDITORS_AND_LEGAL, can, can_see_money
from crm.common.registry import TimelineEntry
from crm.common.timeutil import org_today


def _today():
    return org_today()


@dataclass(frozen=True)
class NdaSummary:
    """What other pages show of an NDA: never its content (terms, document), which is for
    editors and legal on the NDA's own page, so not even a template gets it."""

    id: int
    status: str
    effective_on: date | None
    expires_on: date | None
    products: list[Any]
    creator: Any = None  # loaded by the lists that show it

    @classmethod
    def of(cls, nda: Any, *, with_creator: bool = False) -> NdaSummary:
        creator = nda.creator if with_creator else None
        return cls(
            nda.id, nda.status, nda.effective_on, nda.expires_on, list(nda.products), creator
        )


def _creator_agreements(session, creator):
    """The creator's NDAs, grants and deals, loaded once for the section and the timeline."""
    return per_request(
        ("agreements", creator.id),
        lambda: queries.creator_agreements(session, creator.id, _today()),
    )


def creator_section(session, creator, user) -> dict:
    data = _creator_agreements(session, creator)
    return {
        "ndas": [NdaSummary.of(n) for n in data.ndas],
        "grants": data.grants,
        "deals": data.deals,
        # Amounts never leave the server for a viewer, not even to a template.
        "totals": data.totals if can_see_money(user) else None,
        "can_add_nda": can(user, EDITORS_AND_LEGAL),
        "can_add": can(user, EDITORS),
        "today": _today(),
        # Records about products the user is not cleared for: a placeholder row each, so an
        # owner knows they exist, with nothing of their product, names or terms.
        "restricted": _restricted(session, creator, user),
    }


def _restricted(session, creator, user) -> clearance.RestrictedCounts:
    records = per_request(
        ("restricted", creator.id, getattr(user, "id", None)),
        lambda: clearance.restricted_records(session, user, creator.id),
    )
    return clearance.count_restricted(records)


def restricted_entries(session, creator, user, limit: int) -> list[TimelineEntry]:
    """A placeholder line per record the user may not see: that it exists, nothing more."""
    records = per_request(
        ("restricted", creator.id, getattr(user, "id", None)),
        lambda: clearance.restricted_records(session, user, creator.id),
    )
    return [
        TimelineEntry(
            at=r.at,
            kind="restricted",
            title="Restricted record",
            detail="An agreement about a product you are not cleared for.",
        )
        for r in records[:limit]
    ]


def _at(day, fallback: datetime) -> datetime:
    return datetime.combine(day, time(), UTC) if day else fallback


def nda_entries(session, creator, user, limit: int) -> list[TimelineEntry]:
    ndas = _creator_agreements(session, creator).ndas[:limit]  # newest first
    out = []
    for nda in ndas:
        covers = ", ".join(p.name for p in nda.products) or "no products yet"
        until = nda.expires_on or "open-ended"
        out.append(
            TimelineEntry(
                at=nda.updated_at or nda.created_at,
                kind="nda",
                title=f"NDA #{nda.id} {label(nda.status, 'nda_status').lower()}",
                detail=f"Covers {covers}; {nda.effective_on or '—'} to {until}",
                url=url_for("agreements.nda_detail", nda_id=nda.id),
            )
        )
    return out


def grant_entries(session, creator, user, limit: int) -> list[TimelineEntry]:
    grants = _creator_agreements(session, creator).grants[:limit]  # newest first
    return [
        TimelineEntry(
            at=g.updated_at or g.created_at,
            kind="grant",
            title=f"Access to {g.product.name} {label(g.status, 'grant_status').lower()}",
            detail=f"{g.starts_on} to {g.ends_on}" + (f", {g.tier}" if g.tier else ""),
            url=url_for("agreements.grant_detail", grant_id=g.id),
        )
        for g in grants
    ]


def deal_entries(session, creator, user, limit: int) -> list[TimelineEntry]:
    deals = _creator_agreements(session, creator).deals[:limit]  # newest first
    out = []
    for d in deals:
        detail = d.kind.replace("_", "-")
        if d.fee_minor is not None and can_see_money(user):
            detail += f", fee {money.format_money(d.fee_minor, d.currency)}"
        out.append(
            TimelineEntry(
                at=d.updated_at or d.created_at,
                kind="deal",
                title=f"Deal “{d.title}” {label(d.status, 'deal_status').lower()}",
                detail=detail,
                url=url_for("agreements.deal_detail", deal_id=d.id),
            )
        )
    return out


def home_panel(session, user) -> dict | None:
    soon = queries.expiring(session, _today(), 30, payments=False, limit=10)
    if not soon.ndas and not soon.grants:
        return None
    ndas = [NdaSummary.of(n, with_creator=True) for n in soon.ndas[:10]]
    return {"ndas": ndas, "grants": soon.grants[:10], "days": 30}


def expiring_count(user):
    """Signed NDAs and active grants ending within 7 days, as one count statement (the
    same rows `queries.expiring` lists, counted in SQL)."""
    return queries.expiring_count_stmt(_today(), 7)


def grant_state(grant) -> str:
    """What a page shows as a grant's status ("scheduled" before it starts)."""
    return services.display_status(grant, _today())
