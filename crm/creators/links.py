"""How other domains name and link a creator (`RecordLink("creator", …)` in the registry)."""

from __future__ import annotations

from collections.abc import Iterable

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.common.registry import RecordLink, request_url
from crm.creators.models import Creator


def _resolve(session: Session, ids: Iterable[int]) -> dict[int, tuple[str, str | None]]:
    rows = session.execute(select(Creator.id, Creator.display_name).where(Creator.id.in_(ids)))
    return {
        row.id: (row.display_name, request_url("creators.detail", creator_id=row.id))
        for row in rows
    }


def _current(session: Session, ids: Iterable[int]) -> set[int]:
    """Creators a new record may be about: the ones not archived."""
    return set(
        session.scalars(select(Creator.id).where(Creator.id.in_(ids), Creator.archived.is_(False)))
    )


LINKS = (RecordLink("creator", _resolve, _current),)


def creator_url(creator_id: int) -> str:
    """The creator's page (the `creator_url` template global every domain's pages use)."""
    return url_for("creators.detail", creator_id=creator_id)
