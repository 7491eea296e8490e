"""The "My tasks" page, its actions, the navigation badge and the home panel."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user

from crm.auth.forms import EmptyForm
from crm.common.errors import Invalid
from crm.common.ids import parse_id
from crm.common.permissions import ALL_ROLES, EDITORS_AND_LEGAL, allow, can
from crm.common.registry import current_records, record_links
from crm.common.timeutil import org_today
from crm.db import get_session
from crm.reminders import services
from crm.reminders.forms import ReminderForm, SnoozeForm
from crm.web.forms import beside, choices, handle_action, handle_form, refusal_message

bp = Blueprint("reminders", __name__, url_prefix="/tasks")


def _today(user):
    """The organisation's day, as for the rules and the digest (one overdue arithmetic)."""
    return org_today()


# --- registry plug-ins ---------------------------------------------------------------------


def badge_count(user):
    return services.due_count_stmt(user.id, _today(user))


def links_for(session, reminders) -> dict:
    """Names and links of what the tasks are about (their creator and subject), whatever
    domain those records belong to: one query per kind of record."""
    refs = []
    for r in reminders:
        refs.append(("creator", r.creator_id))
        if r.subject_type and r.subject_type != "creator":
            refs.append((r.subject_type, r.subject_id))
    return record_links(session, refs)


def home_panel(session, user) -> dict | None:
    today = _today(user)
    items = services.due_now(session, user.id, today)
    if not items:
        return None
    return {"items": items, "today": today, "links": links_for(session, items)}


def creator_section(session, creator, user) -> dict | None:
    return {"items": services.for_creator(session, creator.id)}


# --- pages ---------------------------------------------------------------------------------


def _reminder_form(db, formdata=None) -> ReminderForm:
    form = ReminderForm(formdata=formdata) if formdata is not None else ReminderForm()
    users = services.assignable_users(db)
    form.assignee_id.choices = choices(
        (u.id, f"{u.name} (me)" if u.id == current_user.id else u.name) for u in users
    )
    return form


def _parse_creator_id(raw) -> int | None:
    return parse_id(raw)


def _render(form=None, status=200, snooze=None, bulk=None):
    """The tasks page; a refused form is shown again as typed: `form` (a new task), `snooze`
    (a task id and its snooze form) or `bulk` (the ticked ids, the date and the reason)."""
    db = get_session()
    today = _today(current_user)
    board = services.task_board(db, current_user.id, today)
    about = None
    if can(current_user, EDITORS_AND_LEGAL):
        if form is None:
            form = _reminder_form(db)
            form.due_on.data = today
            form.assignee_id.data = current_user.id
            form.creator_id.data = _parse_creator_id(request.args.get("creator_id")) or ""
        creator_id = _parse_creator_id(form.creator_id.data)
        if creator_id:
            if current_records(db, "creator", [creator_id]):
                about = record_links(db, [("creator", creator_id)]).get(("creator", creator_id))
            if about is None:
                form.creator_id.data = ""
    shown = board.overdue + board.today + board.upcoming + board.snoozed + board.recently_closed
    return render_template(
        "reminders/index.html",
        overdue_text=services.overdue_text,
        board=board,
        links=links_for(db, shown),
        today=today,
        form=form,
        about=about,
        snooze_form=SnoozeForm(formdata=None),
        snooze=snooze,
        bulk=bulk,
        button_form=EmptyForm(),
        assignees=services.assignable_users(db) if can(current_user, EDITORS_AND_LEGAL) else [],
        snooze_default=today + timedelta(days=1),
    ), status


@bp.get("/")
@allow(ALL_ROLES)
def index():
    return _render()


@bp.post("/")
@allow(EDITORS_AND_LEGAL)
def create():
    form = _reminder_form(get_session(), request.form)

    def success(reminder):
        who = "you" if reminder.assignee_id == current_user.id else "them"
        message = f"Task added for {who}, due {reminder.due_on.isoformat()}."
        return message, url_for("reminders.index")

    return handle_form(
        form,
        lambda db: services.create_reminder(
            db,
            current_user,
            title=form.title.data,
            due_on=form.due_on.data,
            assignee_id=form.assignee_id.data,
            creator_id=_parse_creator_id(form.creator_id.data),
            today=_today(current_user),
        ),
        render=lambda status: _render(form, status),
        success=success,
    )


def _act(reminder_id: int, changes: dict, message: str):
    reminder = services.get_for_user(get_session(), current_user, reminder_id)
    back = url_for("reminders.index")
    return handle_action(
        lambda db: services.update_reminder(
            db, current_user, reminder, changes, today=_today(current_user)
        ),
        success=lambda _: (message.format(title=reminder.title), back),
        back=back,
        refusals=(Invalid,),
    )


@bp.post("/<int:reminder_id>/done")
@allow(ALL_ROLES)
def done(reminder_id: int):
    return _act(reminder_id, {"status": "done"}, "Done: {title}.")


@bp.post("/<int:reminder_id>/dismiss")
@allow(ALL_ROLES)
def dismiss(reminder_id: int):
    return _act(reminder_id, {"status": "dismissed"}, "Dismissed: {title}.")


@bp.post("/<int:reminder_id>/reopen")
@allow(ALL_ROLES)
def reopen(reminder_id: int):
    return _act(reminder_id, {"status": "open", "snoozed_until": None}, "Reopened: {title}.")


BULK_ACTIONS = ("done", "snooze", "reassign")


@bp.post("/bulk")
@allow(ALL_ROLES)
def bulk():
    """Done, snooze or reassign the ticked tasks; each all or nothing, with a summary."""
    back = url_for("reminders.index")
    raw = request.form.getlist("ids")
    action = request.form.get("action", "")
    problem = None
    changes: dict = {}
    if not raw or not all(r.isdigit() and len(r) < 19 for r in raw):
        problem = "Tick at least one task."
    elif len(raw) > services.BULK_MAX:
        problem = f"{services.BULK_MAX} tasks at most at once."
    elif action not in BULK_ACTIONS:
        problem = "Choose done, snooze or reassign."
    elif action == "done":
        changes = {"status": "done"}
    elif action == "snooze":
        try:
            changes = {"snoozed_until": date.fromisoformat(request.form.get("until", ""))}
        except ValueError:
            problem = "Snooze until: enter a date (YYYY-MM-DD)."
    else:
        assignee = parse_id(request.form.get("assignee_id"))
        if assignee is None:
            problem = "Reassign to: choose a person."
        changes = {"assignee_id": assignee}
    form = EmptyForm()
    if problem:
        form.form_errors.append(problem)
        return _bulk_refused(raw, form, 422)
    ids = list(dict.fromkeys(int(r) for r in raw))

    def summary(outcome: tuple[list[int], dict[int, str]]) -> tuple[str, str, str]:
        done, refused = outcome
        text = f"Done: {len(done)}."
        if refused:
            reasons = "; ".join(f"#{k}: {v}" for k, v in list(refused.items())[:20])
            text += f" Refused: {len(refused)} ({reasons})"
        return text, back, "warning" if refused else "success"

    return handle_form(
        form,
        lambda db: services.update_many(db, current_user, ids, changes, today=_today(current_user)),
        render=lambda status: _bulk_refused(raw, form, status),
        success=summary,
        on_invalid=lambda exc: form.form_errors.append(refusal_message(exc)),
    )


def _bulk_refused(ticked: list[str], form, status: int):
    """The tasks page again with the ticks, the date and the reason of a refused bulk change."""
    bulk = {
        "ids": ticked,
        "until": request.form.get("until", ""),
        "problem": " ".join(form.form_errors),
    }
    return _render(status=status, bulk=bulk)


@bp.post("/<int:reminder_id>/snooze")
@allow(ALL_ROLES)
def snooze(reminder_id: int):
    form = SnoozeForm()
    db = get_session()
    reminder = services.get_for_user(db, current_user, reminder_id)  # 404 before form errors

    return handle_form(
        form,
        lambda db: services.update_reminder(
            db,
            current_user,
            reminder,
            {"snoozed_until": form.until.data},
            today=_today(current_user),
        ),
        render=lambda status: _render(status=status, snooze=(reminder_id, form)),
        success=lambda _: (
            f"Snoozed until {form.until.data.isoformat()}: {reminder.title}.",
            url_for("reminders.index"),
        ),
        on_invalid=beside(form.until),
    )
