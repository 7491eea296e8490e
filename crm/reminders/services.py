"""Reminders: manual tasks, the `remind()` call other domains use, and task actions.

Over 400 lines as one concept: a reminder raised, read and acted on, by one set of checks.

Other domains plug in through:
- `remind(session, assignee_id=…, title=…, due_on=…, rule=…, dedupe_key=…)` raises one
  reminder, idempotently (the unique dedupe key decides, so calling it twice is harmless);
  tasks about a creator usually go through `crm.creators.reminder_rules.remind_about`,
  which assigns the creator's owner and raises nothing for an archived creator;
- the daily scan's rules: `ReminderRule`s in the app's registry (see `crm.reminders.rules`).

When a user assigns a reminder to someone else, the assignee is emailed
(`crm.reminders.notifications`), inside the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session, joinedload

from crm.audit.services import record
from crm.auth.models import User
from crm.common.actor import Actor
from crm.common.clearance import unfiltered
from crm.common.errors import DomainError, FieldErrors, Forbidden, Invalid, NotFound
from crm.common.pagination import Page, SortKey, keyset_page
from crm.common.registry import current_records
from crm.common.timeutil import org_today
from crm.db import utcnow
from crm.reminders import notifications
from crm.reminders.models import REMINDER_STATUSES, Reminder
from crm.reminders.rules import Candidate, insert_candidates

TITLE_MAX = 300
SNOOZE_MAX_DAYS = 366
DUE_RANGE_YEARS = 10


def _notify_assigned(session: Session, reminder: Reminder) -> None:
    notifications.email_assignee(session, reminder)


# --- for other domains ---------------------------------------------------------------------


def remind(
    session: Session,
    *,
    assignee_id: int | None,
    title: str,
    due_on: date,
    creator_id: int | None = None,
    subject: tuple[str, int] | None = None,
    rule: str,
    dedupe_key: str,
) -> Reminder | None:
    """Raise one reminder unless its dedupe key is already taken (then return the existing one).

    `assignee_id=None` (or an inactive user) assigns it to the first active admin. Safe to
    call twice, or from two transactions at once.
    """
    if not dedupe_key:
        raise ValueError("remind() needs a dedupe_key")
    subject_type, subject_id = subject if subject else (None, None)
    candidate = Candidate(
        rule=rule,
        dedupe_key=dedupe_key,
        title=title,
        due_on=due_on,
        creator_id=creator_id,
        subject_type=subject_type,
        subject_id=subject_id,
        assignee_id=assignee_id,
    )
    insert_candidates(session, [candidate])
    # Raised for whoever's act caused it: an uncleared user ending a shared NDA still raises
    # the task about the hidden grant it suspended, and gets it back here.
    return session.scalar(
        select(Reminder).where(Reminder.dedupe_key == dedupe_key),
        execution_options=unfiltered(),
    )


# --- reading -------------------------------------------------------------------------------


def get_reminder(session: Session, reminder_id: int) -> Reminder:
    reminder = session.get(Reminder, reminder_id)
    if reminder is None:
        raise NotFound("No such reminder.")
    return reminder


def can_act_on(user: Actor, reminder: Reminder) -> bool:
    return user.role == "admin" or user.id in (reminder.assignee_id, reminder.created_by_id)


def get_for_user(session: Session, user: Actor, reminder_id: int) -> Reminder:
    """A reminder the user may see and change: theirs, one they created, or any for an admin.
    Anything else is reported as missing (404), not forbidden."""
    reminder = get_reminder(session, reminder_id)
    if not can_act_on(user, reminder):
        raise NotFound("No such reminder.")
    return reminder


def _visible_on(day: date) -> ColumnElement[bool]:
    return or_(Reminder.snoozed_until.is_(None), Reminder.snoozed_until <= day)


def due_count_stmt(user_id: int, today: date) -> Select[int]:
    """Open reminders overdue or due today (snoozed ones excluded): the navigation badge."""
    return (
        select(func.count())
        .select_from(Reminder)
        .where(
            Reminder.assignee_id == user_id,
            Reminder.status == "open",
            Reminder.due_on <= today,
            _visible_on(today),
        )
    )


def due_count(session: Session, user_id: int, today: date) -> int:
    return session.scalar(due_count_stmt(user_id, today)) or 0


@dataclass
class TaskBoard:
    overdue: list[Reminder]
    today: list[Reminder]
    upcoming: list[Reminder]
    snoozed: list[Reminder]
    recently_closed: list[Reminder]


def task_board(session: Session, user_id: int, today: date, *, limit: int = 200) -> TaskBoard:
    """The "My tasks" page: two queries whatever the number of reminders."""
    stmt = (
        select(Reminder)
        .options(joinedload(Reminder.created_by))
        .where(Reminder.assignee_id == user_id, Reminder.status == "open")
        .order_by(Reminder.due_on, Reminder.id)
        .limit(limit)
    )
    board = TaskBoard([], [], [], [], [])
    for reminder in session.scalars(stmt).unique():
        if reminder.hidden_on(today):
            board.snoozed.append(reminder)
        elif reminder.due_on < today:
            board.overdue.append(reminder)
        elif reminder.due_on == today:
            board.today.append(reminder)
        else:
            board.upcoming.append(reminder)
    closed = (
        select(Reminder)
        .options(joinedload(Reminder.created_by))
        .where(Reminder.assignee_id == user_id, Reminder.status != "open")
        .order_by(Reminder.done_at.desc(), Reminder.id.desc())
        .limit(10)
    )
    board.recently_closed = list(session.scalars(closed).unique())
    return board


def due_now(session: Session, user_id: int, today: date, limit: int = 10) -> list[Reminder]:
    """My overdue and due-today reminders (home panel)."""
    stmt = (
        select(Reminder)
        .where(
            Reminder.assignee_id == user_id,
            Reminder.status == "open",
            Reminder.due_on <= today,
            _visible_on(today),
        )
        .order_by(Reminder.due_on, Reminder.id)
        .limit(limit)
    )
    return list(session.scalars(stmt).unique())


def list_reminders(
    session: Session,
    *,
    assignee_id: int,
    status: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page:
    stmt = select(Reminder).where(Reminder.assignee_id == assignee_id)
    if status:
        stmt = stmt.where(Reminder.status == status)
    order = [SortKey(Reminder.due_on, "due_on"), SortKey(Reminder.id, "id")]
    return keyset_page(session, stmt, order, cursor, limit)


def list_for(
    session: Session,
    actor: Actor,
    *,
    assignee_id: int | None = None,
    status: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page:
    """Reminders assigned to `assignee_id` (default: the actor). Only an admin lists someone
    else's; anyone else is refused (403)."""
    wanted = assignee_id or actor.id
    if wanted != actor.id and actor.role != "admin":
        raise Forbidden("Only an admin may list someone else's reminders.")
    if wanted is None:  # the system has no reminders of its own
        raise Invalid({"assignee_id": ["is required"]})
    return list_reminders(session, assignee_id=wanted, status=status, cursor=cursor, limit=limit)


def for_creator(session: Session, creator_id: int, limit: int = 20) -> list[Reminder]:
    stmt = (
        select(Reminder)
        .options(joinedload(Reminder.assignee))
        .where(Reminder.creator_id == creator_id, Reminder.status == "open")
        .order_by(Reminder.due_on, Reminder.id)
        .limit(limit)
    )
    return list(session.scalars(stmt).unique())


def assignable_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).where(User.active).order_by(User.name, User.id)))


# --- writing -------------------------------------------------------------------------------


def _check_title(errors: FieldErrors, title: str | None) -> str:
    title = (title or "").strip()
    if not title:
        errors.add("title", "is required")
    elif len(title) > TITLE_MAX:
        errors.add("title", f"must be at most {TITLE_MAX} characters")
    return title


def _check_due(errors: FieldErrors, due_on: object, today: date, field: str = "due_on") -> None:
    if not isinstance(due_on, date):
        errors.add(field, "must be a date YYYY-MM-DD")
    elif abs(due_on.year - today.year) > DUE_RANGE_YEARS:
        errors.add(field, f"must be within {DUE_RANGE_YEARS} years of today")


def _check_assignee(session: Session, errors: FieldErrors, assignee_id: object) -> User | None:
    user = session.get(User, assignee_id) if isinstance(assignee_id, int) else None
    if user is None or not user.active:
        errors.add("assignee_id", "must be an active user")
        return None
    return user


def _check_creator(session: Session, errors: FieldErrors, creator_id: object) -> None:
    if creator_id is None:
        return
    if not isinstance(creator_id, int) or not current_records(session, "creator", [creator_id]):
        errors.add("creator_id", "must be an existing creator")


def create_reminder(
    session: Session,
    actor: Actor,
    *,
    title: str,
    due_on: date,
    assignee_id: int | None = None,
    creator_id: int | None = None,
    today: date,
) -> Reminder:
    """A manual reminder, for the actor or (assigned) for someone else."""
    if actor.role == "viewer":
        raise Forbidden("A viewer cannot create tasks.")
    errors = FieldErrors()
    title = _check_title(errors, title)
    _check_due(errors, due_on, today)
    assignee = _check_assignee(session, errors, actor.id if assignee_id is None else assignee_id)
    _check_creator(session, errors, creator_id)
    errors.raise_if_any()
    assert assignee is not None  # refused above otherwise
    reminder = Reminder(
        title=title,
        due_on=due_on,
        assignee_id=assignee.id,
        creator_id=creator_id,
        subject_type="creator" if creator_id else None,
        subject_id=creator_id,
        status="open",
        rule="",
        created_by_id=actor.id,
    )
    session.add(reminder)
    session.flush()
    record(
        session,
        actor,
        "reminder.create",
        "reminder",
        reminder.id,
        {"title": title, "due_on": due_on, "assignee_id": assignee.id, "creator_id": creator_id},
    )
    if assignee.id != actor.id:
        _notify_assigned(session, reminder)
    return reminder


def set_status(session: Session, actor: Actor, reminder: Reminder, status: str) -> Reminder:
    if status not in REMINDER_STATUSES:
        raise Invalid({"status": [f"must be one of {', '.join(REMINDER_STATUSES)}"]})
    return update_reminder(session, actor, reminder, {"status": status}, today=None)


def snooze(
    session: Session, actor: Actor, reminder: Reminder, until: date, today: date
) -> Reminder:
    return update_reminder(session, actor, reminder, {"snoozed_until": until}, today=today)


def update_reminder(
    session: Session,
    actor: Actor,
    reminder: Reminder,
    changes: Mapping[str, Any],
    *,
    today: date | None,
) -> Reminder:
    """Change status (done, dismissed, open), snooze, due date, title or assignee.

    Only the assignee, the reminder's author and admins get here (see `get_for_user`).
    Dismissing a rule's reminder keeps its key, so the scan never raises it again.
    """
    today = today or org_today()
    errors = FieldErrors()
    before: dict[str, Any] = {
        "status": reminder.status,
        "snoozed_until": reminder.snoozed_until,
        "due_on": reminder.due_on,
        "title": reminder.title,
        "assignee_id": reminder.assignee_id,
    }
    after = dict(before)
    new_assignee = None
    if "status" in changes:
        if changes["status"] not in REMINDER_STATUSES:
            errors.add("status", f"must be one of {', '.join(REMINDER_STATUSES)}")
        else:
            after["status"] = changes["status"]
    if "snoozed_until" in changes:
        until = changes["snoozed_until"]
        if until is not None:
            if not isinstance(until, date):
                errors.add("snoozed_until", "must be a date YYYY-MM-DD")
            elif until <= today:
                errors.add("snoozed_until", "must be after today")
            elif until > today + timedelta(days=SNOOZE_MAX_DAYS):
                errors.add("snoozed_until", "must be within a year")
        after["snoozed_until"] = until
    if "due_on" in changes:
        if changes["due_on"] is None:
            errors.add("due_on", "is required")
        else:
            _check_due(errors, changes["due_on"], today)
            after["due_on"] = changes["due_on"]
    if "title" in changes:
        after["title"] = _check_title(errors, changes["title"])
    if "assignee_id" in changes:
        if actor.role == "viewer":
            errors.add("assignee_id", "a viewer cannot reassign tasks")
        else:
            new_assignee = _check_assignee(session, errors, changes["assignee_id"])
            if new_assignee is not None:
                after["assignee_id"] = new_assignee.id
    errors.raise_if_any()
    if after["snoozed_until"] is not None and after["status"] != "open":
        after["snoozed_until"] = None  # a closed task is not snoozed
    changed = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    if not changed:
        return reminder
    if "status" in changed:
        reminder.done_at = utcnow() if after["status"] != "open" else None
    for key, value in after.items():
        setattr(reminder, key, value)
    session.flush()
    action = {"done": "reminder.done", "dismissed": "reminder.dismiss"}.get(
        after["status"] if "status" in changed else "", "reminder.update"
    )
    if "status" in changed and after["status"] == "open":
        action = "reminder.reopen"
    record(session, actor, action, "reminder", reminder.id, changed)
    if new_assignee is not None and "assignee_id" in changed and new_assignee.id != actor.id:
        _notify_assigned(session, reminder)
    return reminder


def rename_in_titles(session: Session, creator_id: int, old: str, new: str) -> int:
    """Replace a creator's name in the titles of the tasks about them (the rules' titles name
    the creator: "NDA with <name> expires …"); for the erasure of their personal data."""
    if not old:
        return 0
    changed = 0
    every = select(Reminder).where(Reminder.creator_id == creator_id)
    for reminder in session.scalars(every, execution_options=unfiltered()):
        if old in reminder.title:
            reminder.title = reminder.title.replace(old, new)
            changed += 1
    return changed


BULK_MAX = 200


def update_many(
    session: Session,
    actor: Actor,
    ids: Iterable[int],
    changes: Mapping[str, Any],
    *,
    today: date | None,
) -> tuple[list[int], dict[int, str]]:
    """The same change on many tasks (done, snooze, reassign), each through `update_reminder`
    in its own savepoint: (done ids, {refused id: reason})."""
    done: list[int] = []
    refused: dict[int, str] = {}
    for reminder_id in ids:
        try:
            with session.begin_nested():
                reminder = get_for_user(session, actor, reminder_id)
                update_reminder(session, actor, reminder, changes, today=today)
        except DomainError as exc:
            if isinstance(exc, Invalid) and exc.errors:
                refused[reminder_id] = "; ".join(
                    f"{k}: {', '.join(v)}" for k, v in exc.errors.items()
                )
            else:
                refused[reminder_id] = exc.detail
        else:
            done.append(reminder_id)
    return done, refused


# --- closing loops -------------------------------------------------------------------------


def resolve(
    session: Session,
    actor: Actor,
    subject: tuple[str, int],
    *,
    rules: tuple[str, ...],
    reason: str,
) -> list[Reminder]:
    """Close the open automatic reminders about `subject` raised by one of `rules`: their
    cause ended (a revision after legal asked for changes, a payment paid, an NDA renewed).

    Marked done, not dismissed, with `reason` in the audit entry; the dedupe key stays taken,
    so the scan does not raise the same occurrence again. Manual tasks are never touched.
    """
    if not rules:
        return []
    subject_type, subject_id = subject
    stmt = select(Reminder).where(
        Reminder.subject_type == subject_type,
        Reminder.subject_id == subject_id,
        Reminder.status == "open",
        Reminder.rule.in_(rules),
    )
    # The cause ended for every reader: closed whoever's act ended it.
    closed = list(session.scalars(stmt.order_by(Reminder.id), execution_options=unfiltered()))
    for reminder in closed:
        reminder.status = "done"
        reminder.done_at = utcnow()
        reminder.snoozed_until = None
        session.flush()
        record(
            session,
            actor,
            "reminder.resolve",
            "reminder",
            reminder.id,
            {"status": ["open", "done"], "reason": reason},
        )
    return closed


# --- overdue -------------------------------------------------------------------------------


def days_overdue(due_on: date, today: date | None = None) -> int:
    """Whole days past `due_on` on the organisation's day (0 when not overdue): the one
    arithmetic the tasks page, the home panel and the digest all show."""
    return max(0, ((today or org_today()) - due_on).days)


def overdue_text(due_on: date, today: date | None = None) -> str:
    """ "1 day overdue", "3 days overdue", or "" when not overdue."""
    days = days_overdue(due_on, today)
    if not days:
        return ""
    return f"{days} day{'' if days == 1 else 's'} overdue"
