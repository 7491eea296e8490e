"""Bulk actions on creators: add or remove tags, set the status, assign an owner (admins),
archive. Each record goes through the same service as one by one (`update_creator`,
`archive_creator`), inside its own savepoint: all or nothing per record, one audit event per
changed record, and a summary of what was done and what was refused and why.

A selection of more than `SYNC_LIMIT` creators becomes a `BulkJob` row that the scheduler's
`creators.bulk` job claims and runs, recording its progress as it goes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from crm.audit.services import record
from crm.auth.models import User
from crm.common.actor import Actor
from crm.common.errors import Conflict, DomainError, FieldErrors, Forbidden, Invalid, NotFound
from crm.common.permissions import ADMIN, EDITORS
from crm.creators import listing
from crm.creators.models import CREATOR_STATUSES, BulkJob, Creator
from crm.creators.services import archive_creator, normalise_tags, update_creator
from crm.creators.services.creators import _check_owner
from crm.db import rowcount, utcnow

ACTIONS = ("add_tags", "remove_tags", "set_status", "set_owner", "archive")
ACTION_LABELS = {
    "add_tags": "Add tags",
    "remove_tags": "Remove tags",
    "set_status": "Change status",
    "set_owner": "Assign owner",
    "archive": "Archive",
}
SYNC_LIMIT = 200  # larger selections run as a job
MAX_SELECTION = 10_000
PROGRESS_EVERY = 50  # a running job commits its progress this often


@dataclass
class Outcome:
    done: list[int] = field(default_factory=list)
    refused: dict[int, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "done": self.done,
            "refused": [{"id": k, "reason": v} for k, v in self.refused.items()],
        }


def check_request(session: Session, actor: Actor, action: str, value: Any) -> Any:
    """The action and its value, checked once for the whole selection; returns the value in
    the form the per-record step takes. Invalid (422) or Forbidden (403)."""
    if getattr(actor, "role", None) not in EDITORS:
        raise Forbidden("Only admins and managers change creators.")
    errors = FieldErrors()
    if action not in ACTIONS:
        errors.add("action", f"must be one of {', '.join(ACTIONS)}")
        errors.raise_if_any()
    if action in ("add_tags", "remove_tags"):
        if not isinstance(value, list | str) or (
            isinstance(value, list) and not all(isinstance(v, str) for v in value)
        ):
            errors.add("value", "must be a list of tags")
            errors.raise_if_any()
        tags = normalise_tags(value, errors, field="value")
        if not tags and not errors:
            errors.add("value", "name at least one tag")
        errors.raise_if_any()
        return tags
    if action == "set_status":
        if value not in CREATOR_STATUSES:
            errors.add("value", f"must be one of {', '.join(CREATOR_STATUSES)}")
        errors.raise_if_any()
        return value
    if action == "set_owner":
        if getattr(actor, "role", None) != ADMIN:
            raise Forbidden("Only an admin assigns owners.")
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | str)):
            errors.add("value", "must be a user id or null")
            errors.raise_if_any()
        checked = FieldErrors()
        owner = _check_owner(session, actor, -1, value, checked)
        for messages in checked.errors.values():
            for message in messages:
                errors.add("value", message)
        errors.raise_if_any()
        return owner
    if value not in (None, "", True):
        errors.add("value", "archive takes no value")
    errors.raise_if_any()
    return None


def select_ids(
    session: Session,
    user: Any,
    ids: Iterable[Any] | None = None,
    filters: Mapping[str, Any] | None = None,
) -> list[int]:
    """The ids of the selection: the ids given (unknown ones stay, to be refused), or every
    creator matching the list's filters."""
    if ids is not None:
        out: list[int] = []
        errors = FieldErrors()
        for raw in ids:
            if isinstance(raw, bool) or not isinstance(raw, int) or not 0 < raw < 2**62:
                errors.add("ids", "must be a list of creator ids")
                break
            if raw not in out:
                out.append(raw)
        if not out and not errors:
            errors.add("ids", "select at least one creator")
        if len(out) > MAX_SELECTION:
            errors.add("ids", f"{MAX_SELECTION} creators at most")
        errors.raise_if_any()
        return out
    args = {k: str(v) for k, v in (filters or {}).items() if v is not None}
    unknown = {k for k in args if not k.startswith("cf.")} - set(listing.FILTER_KEYS) - {"owner_id"}
    if unknown:
        raise Invalid({"filter": [f"unknown filter {sorted(unknown)[0]!r}"]})
    try:
        parsed = listing.parse_filters(args, user)
    except Invalid as exc:
        raise Invalid({f"filter.{k}": v for k, v in exc.errors.items()}) from exc
    stmt = (
        listing.filtered(parsed, user)
        .with_only_columns(Creator.id)
        .order_by(Creator.id)
        .limit(MAX_SELECTION + 1)
    )
    found = list(session.scalars(stmt))
    if len(found) > MAX_SELECTION:
        raise Invalid({"filter": [f"matches more than {MAX_SELECTION} creators; narrow it"]})
    if not found:
        raise Invalid({"filter": ["matches no creator"]})
    return found


def _apply_one(session: Session, actor: Actor, creator_id: int, action: str, value: Any) -> None:
    creator = session.get(Creator, creator_id)
    if creator is None:
        raise NotFound("no such creator")
    if creator.archived:
        raise Conflict("archived; restore it first")
    if action == "archive":
        archive_creator(session, actor, creator)
        return
    if action == "add_tags":
        data: dict[str, Any] = {"tags": sorted(set(creator.tag_names) | set(value))}
    elif action == "remove_tags":
        data = {"tags": [t for t in creator.tag_names if t not in value]}
    elif action == "set_status":
        data = {"status": value}
    else:
        data = {"owner_id": value}
    update_creator(session, actor, creator, data)


def _reason(exc: DomainError) -> str:
    if isinstance(exc, Invalid) and exc.errors:
        return "; ".join(f"{k}: {', '.join(v)}" for k, v in exc.errors.items())
    return exc.detail or type(exc).__name__


def apply(
    session: Session,
    actor: Actor,
    ids: Iterable[int],
    action: str,
    value: Any,
    *,
    progress: Callable[[int, Outcome], None] | None = None,
) -> Outcome:
    """Run the (checked) action on each id, each in its own savepoint."""
    outcome = Outcome()
    for n, creator_id in enumerate(ids, start=1):
        try:
            with session.begin_nested():
                _apply_one(session, actor, creator_id, action, value)
        except DomainError as exc:
            outcome.refused[creator_id] = _reason(exc)
        else:
            outcome.done.append(creator_id)
        if progress is not None:
            progress(n, outcome)
    return outcome


def run(
    session: Session, actor: Actor, ids: list[int], action: str, value: Any
) -> Outcome | BulkJob:
    """Apply now when the selection is small, else queue a job (the caller commits)."""
    checked = check_request(session, actor, action, value)
    if len(ids) <= SYNC_LIMIT:
        return apply(session, actor, ids, action, checked)
    job = BulkJob(
        user_id=actor.id,
        action=action,
        value={"value": checked},
        ids=ids,
        total=len(ids),
        done=[],
        refused={},
    )
    session.add(job)
    session.flush()
    record(
        session,
        actor,
        "creators.bulk_queued",
        "bulk_job",
        job.id,
        {"action": action, "total": len(ids)},
    )
    return job


def get_job(session: Session, user: Any, job_id: int) -> BulkJob:
    job = session.get(BulkJob, job_id)
    if job is None or (job.user_id != user.id and getattr(user, "role", None) != ADMIN):
        raise NotFound("No such bulk job.")
    return job


def job_json(job: BulkJob) -> dict[str, Any]:
    return {
        "id": job.id,
        "action": job.action,
        "status": job.status,
        "total": job.total,
        "processed": job.processed,
        "done": list(job.done or []),
        "refused": [{"id": int(k), "reason": v} for k, v in (job.refused or {}).items()],
    }


def claim_next(session: Session) -> BulkJob | None:
    """Claim the oldest pending job (an UPDATE that only one process wins)."""
    job_id = session.scalar(
        select(BulkJob.id).where(BulkJob.status == "pending").order_by(BulkJob.id).limit(1)
    )
    if job_id is None:
        return None
    won = rowcount(
        session.execute(
            update(BulkJob)
            .where(BulkJob.id == job_id, BulkJob.status == "pending")
            .values(status="running", started_at=utcnow())
        )
    )
    session.commit()
    if not won:
        return None
    job = session.get(BulkJob, job_id)
    if job is not None:
        session.refresh(job)
    return job


def run_job(session: Session, job: BulkJob) -> None:
    """Run a claimed job as the user who asked for it, committing progress as it goes."""
    user = session.get(User, job.user_id) if job.user_id else None
    value = (job.value or {}).get("value")
    if user is None or not user.active:
        job.refused = {str(i): "the user who asked is no longer active" for i in job.ids}
        job.processed = job.total
    else:

        def progress(n: int, outcome: Outcome) -> None:
            if n % PROGRESS_EVERY == 0:
                _save(job, n, outcome)
                session.commit()

        try:
            check_request(session, user, job.action, value)
        except DomainError as exc:
            job.refused = {str(i): _reason(exc) for i in job.ids}
            job.processed = job.total
        else:
            outcome = apply(session, user, list(job.ids), job.action, value, progress=progress)
            _save(job, job.total, outcome)
    job.status = "done"
    job.finished_at = utcnow()
    session.commit()


def _save(job: BulkJob, processed: int, outcome: Outcome) -> None:
    job.processed = processed
    job.done = list(outcome.done)
    job.refused = {str(k): v for k, v in outcome.refused.items()}


def run_pending(session_factory: Callable[[], Session], limit: int = 20) -> int:
    """Claim and run pending jobs, one after another; how many ran."""
    ran = 0
    while ran < limit:
        session = session_factory()
        try:
            job = claim_next(session)
            if job is None:
                return ran
            run_job(session, job)
            ran += 1
        finally:
            session.close()
    return ran
