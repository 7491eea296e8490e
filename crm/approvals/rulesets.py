"""The disclosure rule sets as stored: the shipped defaults with the admins' edits laid over.

Only admins edit them. Every save or reset is one audit event (`disclosure_rule_set.update`
or `.reset`) whose changes hold the before/after of each key that changed; the settings
page lists those events as the rule sets' change history. Edits apply to revisions checked
from then on.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.approvals.disclosure.rules import (
    JURISDICTIONS,
    RuleSet,
    RuleSetError,
    defaults,
    merged,
)
from crm.approvals.models import DisclosureRuleSet
from crm.audit.models import AuditEvent
from crm.audit.services import record
from crm.common.errors import Forbidden, Invalid, NotFound
from crm.creators.services import COUNTRIES
from crm.db import utcnow

ENTITY = "disclosure_rule_set"
#: Keys an admin may not change: the code names the jurisdiction, and exactly one rule set
#: is the fallback.
FIXED_KEYS = ("code", "default")


def _rows(session: Session) -> dict[str, DisclosureRuleSet]:
    return {row.code: row for row in session.scalars(select(DisclosureRuleSet))}


def effective(session: Session) -> tuple[RuleSet, ...]:
    """Every rule set, in the defaults' order, with stored edits applied."""
    rows = _rows(session)
    out = []
    for base in defaults().rule_sets:
        row = rows.get(base.code)
        out.append(merged(base.code, row.document) if row is not None else base)
    return tuple(out)


def get(session: Session, code: str) -> RuleSet:
    if code not in JURISDICTIONS:
        raise NotFound("No such rule set.")
    row = session.scalar(select(DisclosureRuleSet).where(DisclosureRuleSet.code == code))
    return merged(code, row.document) if row is not None else merged(code, None)


def version(session: Session, code: str) -> int:
    row = session.scalar(select(DisclosureRuleSet).where(DisclosureRuleSet.code == code))
    return row.version if row is not None else 0


def _require_admin(actor: Any) -> None:
    if getattr(actor, "role", None) != "admin":
        raise Forbidden("Only admins change the disclosure rule sets.")


def _changes(before: RuleSet, after: RuleSet) -> dict[str, list[Any]]:
    old, new = before.as_dict(), after.as_dict()
    return {k: [old.get(k), new[k]] for k in new if old.get(k) != new[k]}


def save(session: Session, actor: Any, code: str, values: Mapping[str, Any]) -> RuleSet:
    """Change keys of rule set `code` (a partial document); refuses anything invalid."""
    _require_admin(actor)
    before = get(session, code)
    document = before.as_dict()
    document.update({k: v for k, v in values.items() if k not in FIXED_KEYS})
    try:
        after = RuleSet.from_dict(document)
    except RuleSetError as exc:
        raise Invalid(exc.errors) from None
    unknown = [c for c in after.countries if c not in COUNTRIES]
    if unknown:
        raise Invalid({"countries": [f"{', '.join(unknown)}: not ISO 3166 alpha-2 codes"]})
    changes = _changes(before, after)
    if not changes:
        return after
    row = session.scalar(select(DisclosureRuleSet).where(DisclosureRuleSet.code == code))
    if row is None:
        row = DisclosureRuleSet(code=code, version=0)
        session.add(row)
    row.document = {k: v for k, v in after.as_dict().items() if k not in FIXED_KEYS}
    row.version = (row.version or 0) + 1
    row.updated_by = getattr(actor, "id", None)
    row.updated_at = utcnow()
    changes["version"] = [row.version - 1, row.version]
    record(session, actor, f"{ENTITY}.update", ENTITY, code, changes)
    session.flush()
    return after


def reset(session: Session, actor: Any, code: str) -> RuleSet:
    """Back to the shipped default (the edit history stays in the audit log)."""
    _require_admin(actor)
    before = get(session, code)
    row = session.scalar(select(DisclosureRuleSet).where(DisclosureRuleSet.code == code))
    after = merged(code, None)
    if row is None:
        return after
    changes: dict[str, list[Any]] = _changes(before, after)
    changes["version"] = [row.version, None]
    session.delete(row)
    record(session, actor, f"{ENTITY}.reset", ENTITY, code, changes)
    session.flush()
    return after


def history(session: Session, code: str | None = None, limit: int = 50) -> list[AuditEvent]:
    """The newest edits of the rule sets (all of them, or one), newest first."""
    stmt = select(AuditEvent).where(AuditEvent.entity == ENTITY)
    if code:
        stmt = stmt.where(AuditEvent.entity_id == code)
    return list(session.scalars(stmt.order_by(AuditEvent.id.desc()).limit(limit)))
