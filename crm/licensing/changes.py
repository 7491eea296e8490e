"""The change feed for training pipelines: one row per consent change, work added or work
removed, and change of a work's rights or releases (`rights.changed`: the work may have
entered or left the licensable set, so ask /licensable or the registry again), written by
a session hook in the same transaction as the change, so the feed never misses a committed
change nor shows a rolled-back one. Each row is also enqueued for the
webhooks subscribed to its event (`crm.webhooks`). Rows are read in id order; the last id
read is the cursor to resume from."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, insert, inspect, select
from sqlalchemy.orm import Session

from crm.common.errors import Invalid
from crm.licensing.models import Consent, RegistryChange, Release, Work
from crm.webhooks.services import enqueue

EVENTS = ("consent.changed", "work.added", "work.removed", "rights.changed")
# The fields of a work whose change may move it in or out of the licensable set.
RIGHTS_ATTRS = (
    "rights",
    "relicense_allowed",
    "co_holders",
    "people_present",
    "people_count",
    "property_present",
)
MAX_LIMIT = 1000


def _rows(session: Session) -> list[dict[str, Any]]:
    now = datetime.now(UTC)
    rows: list[dict[str, Any]] = []
    for obj in session.new:
        if isinstance(obj, Work):
            rows.append(
                {
                    "event": "work.added",
                    "work_id": obj.id,
                    "creator_id": obj.creator_id,
                    "consent_id": None,
                    "data": {"url": obj.url, "kind": obj.kind},
                }
            )
        elif isinstance(obj, Consent):
            rows.append(_consent_row(obj, "create"))
        elif isinstance(obj, Release):
            rows.extend(_release_rows(obj, "create"))
    for obj in session.dirty:
        if isinstance(obj, Consent):
            history = inspect(obj).attrs.revoked_on.history
            if history.added and history.added[0] is not None:
                rows.append(_consent_row(obj, "revoke"))
        elif isinstance(obj, Release):
            history = inspect(obj).attrs.revoked_on.history
            if history.added and history.added[0] is not None:
                rows.extend(_release_rows(obj, "revoke"))
        elif isinstance(obj, Work):
            attrs = inspect(obj).attrs
            changed = [a for a in RIGHTS_ATTRS if attrs[a].history.has_changes()]
            if changed:
                rows.append(
                    {
                        "event": "rights.changed",
                        "work_id": obj.id,
                        "creator_id": obj.creator_id,
                        "consent_id": None,
                        "data": {"change": "work", "fields": changed, "rights": obj.rights},
                    }
                )
    for obj in session.deleted:
        if isinstance(obj, Work):
            rows.append(
                {
                    "event": "work.removed",
                    "work_id": obj.id,
                    "creator_id": obj.creator_id,
                    "consent_id": None,
                    "data": {"url": obj.url, "kind": obj.kind},
                }
            )
    for row in rows:
        row["created_at"] = now
    return rows


def _release_rows(r: Release, change: str) -> list[dict[str, Any]]:
    # The works are read only when already loaded: a flush hook must not query.
    works = inspect(r).dict.get("works") or []
    data = {"change": f"release.{change}", "release_id": r.id, "kind": r.kind}
    return [
        {
            "event": "rights.changed",
            "work_id": w.id,
            "creator_id": r.creator_id,
            "consent_id": None,
            "data": data,
        }
        for w in works
    ] or [
        {
            "event": "rights.changed",
            "work_id": None,
            "creator_id": r.creator_id,
            "consent_id": None,
            "data": data,
        }
    ]


def _consent_row(c: Consent, change: str) -> dict[str, Any]:
    return {
        "event": "consent.changed",
        "work_id": c.work_id,
        "creator_id": c.creator_id,
        "consent_id": c.id,
        "data": {
            "change": change,
            "use": c.use,
            "decision": c.decision,
            "scope": c.scope,
            "kind": c.kind,
            "effective_on": c.effective_on.isoformat(),
            "revoked_on": c.revoked_on.isoformat() if c.revoked_on else None,
        },
    }


def _after_flush(session: Session, _context: Any) -> None:
    rows = _rows(session)
    if rows:
        connection = session.connection()
        connection.execute(insert(RegistryChange), rows)
        for row in rows:
            payload = {k: row[k] for k in ("work_id", "creator_id", "consent_id", "data")}
            enqueue(connection, row["event"], payload)


def install() -> None:
    """Record the feed's rows for every flush of any session (idempotent)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)


def parse_cursor(raw: str | None) -> int:
    if raw in (None, ""):
        return 0
    if not raw.isdigit() or len(raw) > 18:
        raise Invalid({"cursor": ["must be a cursor returned by this feed"]})
    return int(raw)


def page(session: Session, after: int, limit: int) -> list[RegistryChange]:
    if not 1 <= limit <= MAX_LIMIT:
        raise Invalid({"limit": [f"must be between 1 and {MAX_LIMIT}"]})
    stmt = (
        select(RegistryChange)
        .where(RegistryChange.id > after)
        .order_by(RegistryChange.id)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def change_json(c: RegistryChange) -> dict[str, Any]:
    return {
        "id": c.id,
        "event": c.event,
        "work_id": c.work_id,
        "creator_id": c.creator_id,
        "consent_id": c.consent_id,
        "data": c.data,
        "created_at": c.created_at.isoformat(),
    }
