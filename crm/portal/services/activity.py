"""What a creator did in the portal, kept for the staff timeline (one row per act)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.common.actor import CreatorActor
from crm.portal.models import PortalActivity


def note(
    session: Session,
    actor: CreatorActor,
    action: str,
    summary: str,
    entity: str | None = None,
    entity_id: int | None = None,
) -> PortalActivity:
    row = PortalActivity(
        creator_id=actor.creator_id,
        account_id=actor.account_id,
        action=action,
        summary=f"{actor.name}: {summary}"[:300],
        entity=entity,
        entity_id=entity_id,
    )
    session.add(row)
    session.flush()
    return row


def recent(session: Session, creator_id: int, limit: int) -> list[PortalActivity]:
    return list(
        session.scalars(
            select(PortalActivity)
            .where(PortalActivity.creator_id == creator_id)
            .order_by(PortalActivity.at.desc(), PortalActivity.id.desc())
            .limit(limit)
        )
    )
