"""R6: one helper records every change; secrets never reach the log."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.audit.models import AuditEvent
from crm.common.actor import SYSTEM, Actor, CreatorActor, SystemActor, system_actor

__all__ = ["SYSTEM", "Actor", "SystemActor", "actor_label", "record", "system_actor"]
from crm.common.pagination import Page, SortKey, keyset_page

_SECRET_MARKERS = ("password", "token", "secret", "session", "csrf", "api_key")


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: ("[redacted]" if any(m in str(k).lower() for m in _SECRET_MARKERS) else _clean(v))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [_clean(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    return value


def actor_label(actor: Actor | None) -> str:
    if actor is None:
        return "anonymous"
    if isinstance(actor, SystemActor | CreatorActor):
        return actor.label
    return getattr(actor, "email", None) or f"user {getattr(actor, 'id', '?')}"


def record(
    session: Session,
    actor: Actor | None,
    action: str,
    entity: str,
    entity_id: int | str | None = None,
    changes: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit event to the caller's transaction (it commits with the change itself)."""
    event = AuditEvent(
        actor_id=None if actor is None or isinstance(actor, SystemActor) else actor.id,
        actor_label=actor_label(actor),
        action=action,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        changes=_clean(changes or {}),
    )
    session.add(event)
    return event


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for the fields that changed."""
    return {k: [before.get(k), after.get(k)] for k in after if before.get(k) != after.get(k)}


def list_events(
    session: Session,
    *,
    entity: str | None = None,
    entity_id: str | None = None,
    actor_id: int | None = None,
    since: date | None = None,
    until: date | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page:
    from datetime import UTC, time, timedelta

    stmt = select(AuditEvent)
    if entity:
        stmt = stmt.where(AuditEvent.entity == entity)
    if entity_id:
        stmt = stmt.where(AuditEvent.entity_id == str(entity_id))
    if actor_id:
        stmt = stmt.where(AuditEvent.actor_id == actor_id)
    if since:
        stmt = stmt.where(AuditEvent.at >= datetime.combine(since, time(), UTC))
    if until:
        stmt = stmt.where(AuditEvent.at < datetime.combine(until + timedelta(days=1), time(), UTC))
    order = [SortKey(AuditEvent.at, "at", True), SortKey(AuditEvent.id, "id", True)]
    return keyset_page(session, stmt, order, cursor, limit)
