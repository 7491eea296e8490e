"""Triage: editing a note and moving it through the triage lifecycle, one or many at once."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.audit.services import record
from crm.common.actor import Actor
from crm.common.errors import Conflict, FieldErrors, Invalid
from crm.common.labels import phrase, plural
from crm.common.states import StateMachine
from crm.feedback.models import STATUSES, Feedback
from crm.feedback.services.notes import EDITABLE, check_fields, snapshot

TEAM_MAX = 200
BULK_MAX = 200

# From each state, the states a note may move to. Closed notes can be reopened (back to
# triaged); nothing returns to "new", which means "nobody has looked at it yet".
TRANSITIONS = StateMachine.by_target(
    "feedback",
    {
        "new": ("triaged", "forwarded", "resolved", "wont_fix"),
        "triaged": ("forwarded", "resolved", "wont_fix"),
        "forwarded": ("triaged", "resolved", "wont_fix"),
        "resolved": ("triaged",),
        "wont_fix": ("triaged",),
    },
)


def update_feedback(session: Session, actor: Actor, note: Feedback, changes: dict) -> Feedback:
    """Edit fields and/or move the status (through the triage table only)."""
    changes = dict(changes)
    unknown = set(changes) - {*EDITABLE, "duplicate_of_id", "status", "forwarded_to"}
    if unknown:
        raise Invalid({name: ["is not a field you can set"] for name in sorted(unknown)})
    before = snapshot(note)
    status = changes.pop("status", None)
    forwarded_to = changes.pop("forwarded_to", None)
    values = {
        "creator_id": note.creator_id,
        **{name: getattr(note, name) for name in EDITABLE},
        "duplicate_of_id": note.duplicate_of_id,
    }
    values.update(changes)
    errors = FieldErrors()
    check_fields(session, values, errors, note_id=note.id)
    target = status if status is not None else note.status
    if status is not None:
        _check_transition(note, status, forwarded_to, errors)
    elif forwarded_to is not None and note.status != "forwarded":
        errors.add("forwarded_to", "can only be set when the note is forwarded")
    elif forwarded_to is not None and not forwarded_to.strip():
        errors.add("forwarded_to", "is required when forwarding")
    errors.raise_if_any()
    for name in EDITABLE:
        setattr(note, name, values[name])
    note.duplicate_of_id = values["duplicate_of_id"]
    _move(note, target, forwarded_to)
    session.flush()
    changed = {k: [before[k], v] for k, v in snapshot(note).items() if before[k] != v}
    if changed:
        action = (
            "feedback.status" if set(changed) <= {"status", "forwarded_to"} else "feedback.update"
        )
        record(session, actor, action, "feedback", note.id, changed)
    return note


def _check_transition(
    note: Feedback, status: str, forwarded_to: str | None, errors: FieldErrors
) -> None:
    if status not in STATUSES:
        errors.add("status", f"must be one of {', '.join(STATUSES)}")
        return
    if status != note.status and not TRANSITIONS.allows(note.status, status):
        raise Conflict(transition_refusal(note, status))
    if status == "forwarded" and not (forwarded_to or "").strip():
        if status != note.status or forwarded_to is not None:
            errors.add("forwarded_to", "is required when forwarding: name the team")
    if forwarded_to and len(forwarded_to.strip()) > TEAM_MAX:
        errors.add("forwarded_to", f"must be at most {TEAM_MAX} characters")
    if forwarded_to and forwarded_to.strip() and status != "forwarded":
        errors.add("forwarded_to", "only applies when forwarding")


def transition_refusal(note: Feedback, status: str) -> str:
    kind = "feedback_status"
    allowed = ", ".join(sorted(phrase(t, kind) for t in TRANSITIONS.targets(note.status)))
    now = phrase(note.status, kind)
    return (
        f"Feedback #{note.id} is {now} and cannot move to {phrase(status, kind)} "
        f"(from {now} it can move to: {allowed or 'nothing'})."
    )


def _move(note: Feedback, status: str, forwarded_to: str | None) -> None:
    note.status = status
    if status == "forwarded" and forwarded_to is not None:
        note.forwarded_to = forwarded_to.strip()


def change_status(
    session: Session, actor: Actor, note: Feedback, status: str, forwarded_to: str | None = None
) -> Feedback:
    return update_feedback(
        session,
        actor,
        note,
        {"status": status, **({"forwarded_to": forwarded_to} if forwarded_to else {})},
    )


def bulk_change_status(
    session: Session,
    actor: Actor,
    note_ids: Iterable[int | str],
    status: str,
    forwarded_to: str | None = None,
) -> list[Feedback]:
    """All or nothing: if any note may not move, none moves and the refusal names them."""
    ids = sorted({int(i) for i in note_ids})
    errors = FieldErrors()
    if not ids:
        errors.add("ids", "choose at least one note")
    elif len(ids) > BULK_MAX:
        errors.add("ids", f"at most {BULK_MAX} notes at once")
    if status not in STATUSES:
        errors.add("status", f"must be one of {', '.join(STATUSES)}")
    forwarded_to = (forwarded_to or "").strip() or None
    if status == "forwarded" and not forwarded_to:
        errors.add("forwarded_to", "is required when forwarding: name the team")
    if forwarded_to and status != "forwarded":
        errors.add("forwarded_to", "only applies when forwarding")
    if forwarded_to and len(forwarded_to) > TEAM_MAX:
        errors.add("forwarded_to", f"must be at most {TEAM_MAX} characters")
    errors.raise_if_any()
    notes = list(
        session.scalars(select(Feedback).where(Feedback.id.in_(ids)).order_by(Feedback.id))
    )
    missing = sorted(set(ids) - {n.id for n in notes})
    if missing:
        raise Invalid({"ids": [f"unknown feedback notes: {', '.join(map(str, missing))}"]})
    refused = [n for n in notes if n.status != status and not TRANSITIONS.allows(n.status, status)]
    if refused:
        names = "; ".join(f"#{n.id} is {phrase(n.status, 'feedback_status')}" for n in refused)
        raise Conflict(
            f"Nothing was changed: {plural(len(refused), 'note')} cannot move to "
            f"{phrase(status, 'feedback_status')} ({names})."
        )
    for note in notes:
        before = {"status": note.status, "forwarded_to": note.forwarded_to}
        _move(note, status, forwarded_to)
        changed = {
            k: [before[k], getattr(note, k)]
            for k in ("status", "forwarded_to")
            if before[k] != getattr(note, k)
        }
        if changed:
            record(session, actor, "feedback.status", "feedback", note.id, changed)
    session.flush()
    return notes
