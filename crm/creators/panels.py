"""What the creators domain adds to shared pages: timeline entries and a home panel."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import lazyload

from crm.common.registry import TimelineEntry
from crm.creators.models import Creator
from crm.creators.services import recent_interactions
from crm.db import utcnow

STALE_DAYS = 30
STALE_STATUSES = ("contacted", "negotiating", "active", "paused")
PANEL_SIZE = 10


def interaction_entries(session, creator, user, limit: int) -> list[TimelineEntry]:
    entries = []
    for i in recent_interactions(session, creator, limit):
        who = f" by {i.user.name}" if i.user else ""
        entries.append(
            TimelineEntry(
                at=i.occurred_at,
                kind="interaction",
                title=f"{i.kind.capitalize()}{who}",
                detail=i.summary,
            )
        )
    return entries


def stale_creator_filter(cutoff):
    return (
        Creator.archived.is_(False),
        Creator.status.in_(STALE_STATUSES),
        or_(Creator.last_interaction_at.is_(None), Creator.last_interaction_at < cutoff),
    )


def stale_creators_panel(session, user) -> dict | None:
    """My creators in an open relationship with no interaction for 30 days (None: hide)."""
    cutoff = utcnow() - timedelta(days=STALE_DAYS)
    where = (Creator.owner_id == user.id, *stale_creator_filter(cutoff))
    creators = list(
        session.scalars(
            select(Creator)
            .options(lazyload(Creator.tags))  # the panel shows no tags
            .where(*where)
            .order_by(Creator.last_interaction_at.asc().nulls_first(), Creator.id)
            .limit(PANEL_SIZE + 1)
        )
    )
    if not creators:
        return None
    more = 0
    if len(creators) > PANEL_SIZE:
        total = session.scalar(select(func.count()).select_from(Creator).where(*where))
        more = total - PANEL_SIZE
    return {"creators": creators[:PANEL_SIZE], "more": more, "days": STALE_DAYS}
