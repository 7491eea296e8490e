"""The licensing section of the creator page and its timeline entries."""

from __future__ import annotations

from datetime import UTC, datetime, time

from flask import url_for
from sqlalchemy import select

from crm.common.permissions import (
    EDITORS_AND_LEGAL,
    can,
    can_see_money,
)
from crm.common.registry import TimelineEntry
from crm.licensing.models import Consent, Licence, Payout
from crm.licensing.views.works import creator_page_context

SECTION_WORKS = 20

# --- creator page section and timeline -----------------------------------------------------


def creator_section(db, creator, user) -> dict | None:
    """The licensing block of the creator page: the first works' grid and the licences."""
    context = creator_page_context(db, creator, None, SECTION_WORKS, with_summary=False)
    context["can_edit"] = can(user, EDITORS_AND_LEGAL)
    return context


def _at(day) -> datetime:
    return datetime.combine(day, time(), UTC)


def timeline_entries(db, creator, user, limit: int) -> list[TimelineEntry]:
    url = url_for("licensing.creator", creator_id=creator.id)
    entries = []
    for c in db.scalars(
        select(Consent)
        .where(Consent.creator_id == creator.id)
        .order_by(Consent.created_at.desc())
        .limit(limit)
    ):
        what = f"{c.use.replace('_', ' ')}: {c.decision.replace('_', ' ')} ({c.scope_label})"
        entries.append(
            TimelineEntry(
                c.created_at, "consent", f"Consent recorded — {what}", f"Source: {c.source}", url
            )
        )
        if c.revoked_on:
            entries.append(
                TimelineEntry(
                    _at(c.revoked_on), "consent", f"Consent #{c.id} revoked — {what}", "", url
                )
            )
    for licence in db.scalars(
        select(Licence)
        .where(Licence.creator_id == creator.id)
        .order_by(Licence.created_at.desc())
        .limit(limit)
    ):
        entries.append(
            TimelineEntry(
                licence.created_at,
                "licence",
                f"Licence: {licence.title}",
                f"Uses: {', '.join(licence.uses)}",
                url_for("licensing.licence", licence_id=licence.id),
            )
        )
    payouts = db.execute(
        select(Payout, Licence.title)
        .join(Licence, Licence.id == Payout.licence_id)
        .where(Licence.creator_id == creator.id, Payout.paid_on.is_not(None))
        .order_by(Payout.paid_on.desc())
        .limit(limit)
    )
    for payout, title in payouts:
        detail = f"{payout.works_count} works"
        if can_see_money(user):
            from crm.common.money import format_money

            detail += f", {format_money(payout.amount_minor, payout.currency)}"
        entries.append(
            TimelineEntry(
                _at(payout.paid_on),
                "payout",
                f"Payout for {payout.period} paid ({title})",
                detail,
                url_for("licensing.licence", licence_id=payout.licence_id),
            )
        )
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]
