"""The check settings: the rule sets (defaults with the admins' edits) and the banned claims."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from crm.approvals import rulesets
from crm.approvals.checks import DEFAULT_BANNED_CLAIMS, CheckSettings
from crm.approvals.models import ApprovalSettings
from crm.audit.services import record
from crm.common.actor import Actor
from crm.common.errors import FieldErrors, Forbidden
from crm.db import utcnow


def load_settings(session: Session) -> CheckSettings:
    """The rule sets (defaults with the admins' edits) and the banned claims."""
    row = session.get(ApprovalSettings, 1)
    rule_sets = rulesets.effective(session)
    base = next(r for r in rule_sets if r.default)
    return CheckSettings(
        disclosure_markers=list(base.markers),
        vague_tags=list(base.vague),
        banned_claims=list(row.banned_claims) if row is not None else list(DEFAULT_BANNED_CLAIMS),
        rule_sets=rule_sets,
    )


def _clean_list(values: Iterable[object], field: str, errors: FieldErrors) -> list[str]:
    out: list[str] = []
    for raw in values:
        value = " ".join(str(raw).split())
        if not value:
            continue
        if len(value) > 100:
            errors.add(field, f"“{value[:30]}…” is longer than 100 characters")
        elif value.casefold() not in {v.casefold() for v in out}:
            out.append(value)
    if len(out) > 200:
        errors.add(field, "at most 200 entries")
    return out


def save_settings(
    session: Session,
    actor: Actor,
    *,
    disclosure_markers: Iterable[object],
    vague_tags: Iterable[object],
    banned_claims: Iterable[object],
) -> ApprovalSettings:
    """The banned claims, and the markers of the default rule set (an edit of that rule
    set, audited as such)."""
    if getattr(actor, "role", None) != "admin":
        raise Forbidden("Only admins change the check settings.")
    errors = FieldErrors()
    markers = _clean_list(disclosure_markers, "disclosure_markers", errors)
    vague = _clean_list(vague_tags, "vague_tags", errors)
    banned = _clean_list(banned_claims, "banned_claims", errors)
    if not markers:
        errors.add("disclosure_markers", "at least one marker is needed")
    overlap = {m.casefold() for m in markers} & {v.casefold() for v in vague}
    if overlap:
        errors.add("vague_tags", f"{', '.join(sorted(overlap))} cannot be both clear and vague")
    errors.raise_if_any()
    before = load_settings(session)
    base = next(r for r in before.rule_sets if r.default)
    rulesets.save(session, actor, base.code, {"markers": markers, "vague": vague})
    row = session.get(ApprovalSettings, 1)
    if row is None:
        row = ApprovalSettings(id=1)
        session.add(row)
    row.banned_claims = banned
    row.updated_by = getattr(actor, "id", None)
    row.updated_at = utcnow()
    if before.banned_claims != banned:
        record(
            session,
            actor,
            "approval_settings.update",
            "approval_settings",
            1,
            {"banned_claims": [before.banned_claims, banned]},
        )
    session.flush()
    return row
