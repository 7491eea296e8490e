"""R6: one helper records every change; secrets never reach the log."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.audit.models import AuditEvent
from crm.common.actor import SYSTEM, Actor, CreatorActor, SystemActor, system_actor

__all__ = [
    "SYSTEM",
    "Actor",
    "SystemActor",
    "actor_label",
    "record",
    "shown_changes",
    "system_actor",
]
from crm.common.pagination import Page, SortKey, keyset_page
from crm.common.permissions import EDITORS_AND_LEGAL, can
from crm.common.timeutil import utc_day_after

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


# NDA content (terms, the document and what describes it) is for editors and legal only,
# on every path: the audit log shows anyone else an NDA's events without it.
_NDA_CONTENT_PREFIXES = ("terms", "document", "has_document")


def shown_changes(event: AuditEvent, user: Any) -> dict[str, Any]:
    """The event's changes as `user` may see them."""
    changes = dict(event.changes or {})
    if event.entity == "nda" and not can(user, EDITORS_AND_LEGAL):
        changes = {k: v for k, v in changes.items() if not k.startswith(_NDA_CONTENT_PREFIXES)}
    if "product_id" in changes:
        changes["product_id"] = _visible_product(changes["product_id"], user)
    if "product_ids" in changes:
        changes["product_ids"] = _visible_products(changes["product_ids"], user)
    return changes


# An entry about a visible record can still name a hidden product by id (an NDA that also
# covers it, a note moved off it): the id goes the way of the name.


def _visible_product(value: Any, user: Any) -> Any:
    """A product id, or an update's [before, after] pair of them."""
    from crm.common.clearance import visible_product_id

    if isinstance(value, list):
        return [_visible_product(v, user) for v in value]
    if isinstance(value, int) and not isinstance(value, bool):
        return visible_product_id(value, user=user)
    return value


def _visible_products(value: Any, user: Any) -> Any:
    """A list of product ids, or an update's [before, after] pair of such lists."""
    from crm.common.clearance import visible_product_ids

    if isinstance(value, list) and all(isinstance(v, list) for v in value):
        return [_visible_products(v, user) for v in value]
    if isinstance(value, list) and all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        return visible_product_ids(value, user=user)
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
        stmt = stmt.where(AuditEvent.at < utc_day_after(until))
    order = [SortKey(AuditEvent.at, "at", True), SortKey(AuditEvent.id, "id", True)]
    return keyset_page(session, stmt, order, cursor, limit)
