"""Rights set on many works at once (the API's bulk rights): by ids, or by a creator, kind
and creation-date filter.

Each work gets the fields given merged into its own and checked as a single edit checks
them (`clean_rights`), so `"rights": "shared"` passes for a work already naming its other
holders and is refused, with the reason, for one that does not. What passes is written in
the caller's one transaction with one audit event per work changed; the change feed sees
each work whose rights changed (`rights.changed`). Unknown ids are refused, not an error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from crm.audit.services import diff, record
from crm.common.actor import Actor
from crm.common.errors import FieldErrors, Forbidden, Invalid
from crm.common.permissions import EDITORS
from crm.creators.models import Creator
from crm.licensing.models import WORK_KINDS, Work
from crm.licensing.services.base import in_chunks
from crm.licensing.services.rights import NOT_KNOWN, clean_rights
from crm.licensing.services.works import current_rights

MAX_WORKS = 10_000
# The fields a bulk edit may set: who holds the work and on what evidence.
BULK_FIELDS = ("rights", "rights_evidence", "relicense_allowed", "co_holders", "client_name")
# What it writes: those, and whether re-licensing is known at all (`relicense_allowed`
# "unknown" is relicense_known false).
WRITTEN = (*BULK_FIELDS, "relicense_known")


@dataclass
class BulkOutcome:
    done: list[int] = field(default_factory=list)
    refused: dict[int, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "done": self.done,
            "refused": [{"id": k, "reason": v} for k, v in self.refused.items()],
        }


@dataclass(frozen=True)
class WorkFilter:
    creator_id: int | None = None
    kind: str | None = None
    created_from: date | None = None
    created_to: date | None = None


def _check_ids(ids: Sequence[Any]) -> list[int]:
    out: list[int] = []
    for raw in ids:
        if isinstance(raw, bool) or not isinstance(raw, int) or not 0 < raw < 2**62:
            raise Invalid({"ids": ["must be a list of work ids"]})
        out.append(raw)
    out = list(dict.fromkeys(out))
    if not out:
        raise Invalid({"ids": ["select at least one work"]})
    if len(out) > MAX_WORKS:
        raise Invalid({"ids": [f"{MAX_WORKS} works at most"]})
    return out


def _filtered_ids(session: Session, f: WorkFilter) -> list[int]:
    errors = FieldErrors()
    if f.kind is not None and f.kind not in WORK_KINDS:
        errors.add("filter.kind", f"must be one of {', '.join(WORK_KINDS)}")
    if f.created_from and f.created_to and f.created_to < f.created_from:
        errors.add("filter.to", "must be on or after from")
    if f.creator_id is not None and session.get(Creator, f.creator_id) is None:
        errors.add("filter.creator_id", "is not a known creator")
    if f == WorkFilter():
        errors.add("filter", "give at least one of creator_id, kind, from, to")
    errors.raise_if_any()
    stmt = select(Work.id)
    if f.creator_id is not None:
        stmt = stmt.where(Work.creator_id == f.creator_id)
    if f.kind is not None:
        stmt = stmt.where(Work.kind == f.kind)
    if f.created_from:
        stmt = stmt.where(Work.created_on >= f.created_from)
    if f.created_to:
        stmt = stmt.where(Work.created_on <= f.created_to)
    found = list(session.scalars(stmt.order_by(Work.id).limit(MAX_WORKS + 1)))
    if len(found) > MAX_WORKS:
        raise Invalid({"filter": [f"matches more than {MAX_WORKS} works; narrow it"]})
    return found


def _reason(errors: FieldErrors) -> str:
    return "; ".join(f"{k}: {', '.join(v)}" for k, v in errors.errors.items())


def set_rights(
    session: Session,
    actor: Actor,
    changes: Mapping[str, Any],
    *,
    ids: Sequence[Any] | None = None,
    where: WorkFilter | None = None,
) -> BulkOutcome:
    """Merge `changes` (some of BULK_FIELDS) into every work selected; the caller commits."""
    if getattr(actor, "role", None) not in EDITORS:
        raise Forbidden("Only admins and managers change works.")
    if (ids is None) == (where is None):
        raise Invalid({"ids": ["give either ids or filter"]})
    given = {k: v for k, v in changes.items() if k in BULK_FIELDS}
    if not given:
        raise Invalid({"rights": [f"give at least one of {', '.join(BULK_FIELDS)}"]})
    # The values given are checked once, for what does not depend on the work: a probe
    # naming holders and a client leaves only the values' own errors.
    errors = FieldErrors()
    if "rights" in given and given["rights"] is None:
        errors.add("rights", "must be one of creator, shared, client, unknown")
    clean_rights({"co_holders": ["-"], "client_name": "-"} | given, errors)
    errors.raise_if_any()
    if ids is not None:
        selected = _check_ids(ids)
    else:
        assert where is not None  # one of the two, checked above
        selected = _filtered_ids(session, where)
    outcome = BulkOutcome()
    works: dict[int, Work] = {}
    for chunk in in_chunks(selected):
        works.update(
            (w.id, w)
            for w in session.scalars(
                select(Work).where(Work.id.in_(chunk)).options(selectinload(Work.tag_rows))
            )
        )
    for work_id in selected:
        work = works.get(work_id)
        if work is None:
            outcome.refused[work_id] = "no such work"
            continue
        checked = FieldErrors()
        clean = clean_rights(current_rights(work) | given, checked)
        # Yes or not known, asked of a work that is not a client's, cannot be kept: refused
        # rather than silently made "no".
        if given.get("relicense_allowed") in (True, NOT_KNOWN) and clean["rights"] != "client":
            checked.add("relicense_allowed", "only a client work carries a re-licence clause")
        if checked:
            outcome.refused[work_id] = _reason(checked)
            continue
        before = {k: getattr(work, k) for k in WRITTEN}
        after = {k: clean[k] for k in WRITTEN}
        for key, value in after.items():
            setattr(work, key, value)
        changed = diff(before, after)
        if changed:
            record(session, actor, "work.rights_bulk", "work", work.id, changed)
        outcome.done.append(work_id)
    session.flush()
    return outcome
