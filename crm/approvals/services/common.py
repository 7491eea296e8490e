"""What every step of a submission shares: who may change it, its history, its lookup."""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.approvals.models import StatusChange, Submission
from crm.approvals.services.loops import close_loops
from crm.audit.services import SystemActor, actor_label, record
from crm.common.actor import Actor, acts_for_creator
from crm.common.errors import Forbidden, NotFound
from crm.common.permissions import EDITORS


def valid_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and " " not in value


def require_editor(actor: Actor, creator_id: int | None = None) -> None:
    """Managers and admins change submissions; a creator in the portal changes their own."""
    if acts_for_creator(actor, creator_id):
        return
    if getattr(actor, "role", None) not in EDITORS:
        raise Forbidden("Only managers and admins change submissions.")


def write_history(
    session: Session,
    actor: Actor,
    submission: Submission,
    action: str,
    before: str | None,
    after: str,
    revision_number: int,
    note: str = "",
) -> None:
    """The status change row and its audit entry."""
    session.add(
        StatusChange(
            submission_id=submission.id,
            action=action,
            from_status=before,
            to_status=after,
            revision_number=revision_number,
            actor_id=None if isinstance(actor, SystemActor) else getattr(actor, "id", None),
            actor_label=actor_label(actor),
            note=note,
        )
    )
    changes: dict[str, object] = {"status": [before, after], "revision": revision_number}
    if note:
        changes["note"] = note
    record(session, actor, f"submission.{action}", "submission", submission.id, changes)
    close_loops(session, actor, submission.id, after)


def get_submission(session: Session, submission_id: int, *, lock: bool = False) -> Submission:
    stmt = select(Submission).where(Submission.id == submission_id)
    if lock:
        stmt = stmt.with_for_update()
    submission = session.scalar(stmt)
    if submission is None:
        raise NotFound("No such submission.")
    return submission
