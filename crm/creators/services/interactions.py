"""Interactions: the dated contacts with a creator that make up the timeline and decide
when a creator was last in touch."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from crm.common.actor import Actor
from crm.common.errors import FieldErrors
from crm.creators.models import INTERACTION_KINDS, Creator, Interaction
from crm.creators.services._common import _text


def record_interaction(
    session: Session,
    actor: Actor,
    creator: Creator,
    *,
    kind: str,
    occurred_at: datetime,
    summary: str,
) -> Interaction:
    errors = FieldErrors()
    if kind not in INTERACTION_KINDS:
        errors.add("kind", f"must be one of {', '.join(INTERACTION_KINDS)}")
    if not isinstance(occurred_at, datetime) or occurred_at.tzinfo is None:
        errors.add("occurred_at", "must be a date and time with a UTC offset")
    summary = _text(summary)
    if not summary:
        errors.add("summary", "is required")
    elif len(summary) > 5000:
        errors.add("summary", "must be 5,000 characters at most")
    errors.raise_if_any()
    interaction = Interaction(
        creator_id=creator.id,
        kind=kind,
        occurred_at=occurred_at,
        summary=summary,
        user_id=getattr(actor, "id", None),
    )
    session.add(interaction)
    if creator.last_interaction_at is None or occurred_at > creator.last_interaction_at:
        creator.last_interaction_at = occurred_at
    session.flush()
    return interaction


def recent_interactions(session: Session, creator: Creator, limit: int = 50) -> list[Interaction]:
    return list(
        session.scalars(
            select(Interaction)
            .options(joinedload(Interaction.user))
            .where(Interaction.creator_id == creator.id)
            .order_by(Interaction.occurred_at.desc(), Interaction.id.desc())
            .limit(limit)
        )
    )
