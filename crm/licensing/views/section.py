"""The licensing section of the creator page and its timeline entries."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time

from flask import url_for
from sqlalchemy import (
    BigInteger,
    Date,
    Integer,
    String,
    cast,
    literal,
    null,
    select,
    union_all,
)

from crm.common.labels import label, plural
from crm.common.permissions import (
    EDITORS_AND_LEGAL,
    can,
    can_see_money,
)
from crm.common.registry import TimelineEntry
from crm.db import UTCDateTime
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


def _timeline_rows(creator_id: int, limit: int):
    """Consents, licences and paid payouts of one creator, newest first per kind, as one
    UNION ALL of rows of the same shape (one statement for the three kinds)."""
    text, number, big = String(), Integer(), BigInteger()

    def none(kind):
        return cast(null(), kind)

    consents = (
        select(
            literal("consent", text).label("row_kind"),
            Consent.id.label("id"),
            Consent.created_at.label("at"),
            Consent.use.label("t1"),
            Consent.decision.label("t2"),
            Consent.source.label("t3"),
            Consent.kind.label("t4"),
            Consent.work_id.label("n1"),
            none(big).label("n2"),
            none(number).label("n3"),
            Consent.revoked_on.label("day"),
        )
        .where(Consent.creator_id == creator_id)
        .order_by(Consent.created_at.desc())
        .limit(limit)
        .subquery()
    )
    licences = (
        select(
            literal("licence", text).label("row_kind"),
            Licence.id.label("id"),
            Licence.created_at.label("at"),
            Licence.title.label("t1"),
            cast(Licence.uses, String).label("t2"),
            none(text).label("t3"),
            none(text).label("t4"),
            none(number).label("n1"),
            none(big).label("n2"),
            none(number).label("n3"),
            none(Date()).label("day"),
        )
        .where(Licence.creator_id == creator_id)
        .order_by(Licence.created_at.desc())
        .limit(limit)
        .subquery()
    )
    payouts = (
        select(
            literal("payout", text).label("row_kind"),
            Payout.id.label("id"),
            none(UTCDateTime()).label("at"),
            Licence.title.label("t1"),
            Payout.period.label("t2"),
            none(text).label("t3"),
            Payout.currency.label("t4"),
            Payout.works_count.label("n1"),
            Payout.amount_minor.label("n2"),
            Payout.licence_id.label("n3"),
            Payout.paid_on.label("day"),
        )
        .join(Licence, Licence.id == Payout.licence_id)
        .where(Licence.creator_id == creator_id, Payout.paid_on.is_not(None))
        .order_by(Payout.paid_on.desc())
        .limit(limit)
        .subquery()
    )
    return union_all(*(select(*sub.c) for sub in (consents, licences, payouts)))


def timeline_entries(db, creator, user, limit: int) -> list[TimelineEntry]:
    url = url_for("licensing.creator", creator_id=creator.id)
    money = can_see_money(user)
    entries = []
    for row in db.execute(_timeline_rows(creator.id, limit)):
        if row.row_kind == "consent":
            scope = Consent(work_id=row.n1, kind=row.t4).scope_label
            decided = label(row.t2, "consent_decision").lower()
            what = f"{label(row.t1, 'consent_use')}: {decided} ({scope})"
            entries.append(
                TimelineEntry(
                    row.at,
                    "consent",
                    f"Consent recorded — {what}",
                    f"Source: {label(row.t3, 'consent_source')}",
                    url,
                )
            )
            if row.day:
                entries.append(
                    TimelineEntry(
                        _at(row.day), "consent", f"Consent #{row.id} revoked — {what}", "", url
                    )
                )
        elif row.row_kind == "licence":
            uses = json.loads(row.t2) if isinstance(row.t2, str) else (row.t2 or [])
            entries.append(
                TimelineEntry(
                    row.at,
                    "licence",
                    f"Licence: {row.t1}",
                    f"Uses: {label(uses, 'consent_use')}",
                    url_for("licensing.licence", licence_id=row.id),
                )
            )
        else:
            detail = plural(row.n1, "work")
            if money:
                from crm.common.money import format_money

                detail += f", {format_money(row.n2, row.t4)}"
            entries.append(
                TimelineEntry(
                    _at(row.day),
                    "payout",
                    f"Payout for {row.t2} paid ({row.t1})",
                    detail,
                    url_for("licensing.licence", licence_id=row.n3),
                )
            )
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]
