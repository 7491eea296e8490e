"""/api/v1/reminders: my tasks (or, for an admin, anyone's), create, change."""

from __future__ import annotations

from datetime import date
from typing import Literal

from flask import jsonify, request, url_for
from flask_login import current_user
from pydantic import Field

from crm.api.base import (
    ApiModel,
    ApiRoutes,
    OutModel,
    created,
    doc,
    iso,
    page_response,
    parse_body,
    query_choice,
    query_int,
    query_limit,
)
from crm.common.permissions import ALL_ROLES, EDITORS_AND_LEGAL, allow
from crm.common.timeutil import today_in
from crm.db import get_session
from crm.reminders import services
from crm.reminders.models import REMINDER_STATUSES

routes = ApiRoutes()


class ReminderIn(ApiModel):
    title: str = Field(min_length=1, max_length=300)
    due_on: date
    assignee_id: int | None = None  # default: me
    creator_id: int | None = None


class ReminderPatch(ApiModel):
    status: Literal["open", "done", "dismissed"] | None = None
    snoozed_until: date | None = None  # null wakes a snoozed reminder
    due_on: date | None = None
    title: str | None = Field(default=None, min_length=1, max_length=300)
    assignee_id: int | None = None


class ReminderOut(OutModel):
    id: int
    title: str
    due_on: str
    assignee_id: int
    creator_id: int | None
    subject: dict | None
    status: str
    rule: str
    dedupe_key: str | None
    snoozed_until: str | None
    created_by: int | None
    created_at: str
    done_at: str | None


def reminder_json(r) -> dict:
    return {
        "id": r.id,
        "title": r.title,
        "due_on": iso(r.due_on),
        "assignee_id": r.assignee_id,
        "creator_id": r.creator_id,
        "subject": {"type": r.subject_type, "id": r.subject_id} if r.subject_type else None,
        "status": r.status,
        "rule": r.rule,
        "dedupe_key": r.dedupe_key,
        "snoozed_until": iso(r.snoozed_until),
        "created_by": r.created_by_id,
        "created_at": iso(r.created_at),
        "done_at": iso(r.done_at),
    }


@routes.get("/reminders")
@allow(ALL_ROLES)
@doc(
    "My reminders (an admin may ask for anyone's with assignee_id), by due date",
    list_of=ReminderOut,
    query={
        "assignee_id": {"type": "integer"},
        "status": {"type": "string", "enum": list(REMINDER_STATUSES)},
    },
    tag="reminders",
)
def list_reminders():
    page = services.list_for(
        get_session(),
        current_user,
        assignee_id=query_int("assignee_id"),
        status=query_choice("status", REMINDER_STATUSES),
        cursor=request.args.get("cursor"),
        limit=query_limit(),
    )
    return page_response(page, reminder_json)


@routes.post("/reminders")
@allow(EDITORS_AND_LEGAL)
@doc(
    "Create a reminder (for me, or assigned to someone)",
    body=ReminderIn,
    response=ReminderOut,
    status=201,
    tag="reminders",
)
def create_reminder():
    body = parse_body(ReminderIn)
    db = get_session()
    reminder = services.create_reminder(
        db,
        current_user,
        title=body.title,
        due_on=body.due_on,
        assignee_id=body.assignee_id,
        creator_id=body.creator_id,
        today=today_in(current_user.timezone),
    )
    db.commit()
    return created(reminder_json(reminder), url_for("api.get_reminder", reminder_id=reminder.id))


@routes.get("/reminders/<int:reminder_id>")
@allow(ALL_ROLES)
@doc(
    "One reminder (mine, one I created, or any for an admin)", response=ReminderOut, tag="reminders"
)
def get_reminder(reminder_id: int):
    reminder = services.get_for_user(get_session(), current_user, reminder_id)
    return jsonify(reminder_json(reminder))


@routes.patch("/reminders/<int:reminder_id>")
@allow(ALL_ROLES)
@doc(
    "Mark done, dismiss, reopen, snooze, re-date, rename or reassign a reminder",
    body=ReminderPatch,
    response=ReminderOut,
    tag="reminders",
)
def patch_reminder(reminder_id: int):
    body = parse_body(ReminderPatch)
    db = get_session()
    reminder = services.get_for_user(db, current_user, reminder_id)
    services.update_reminder(
        db,
        current_user,
        reminder,
        body.model_dump(exclude_unset=True),
        today=today_in(current_user.timezone),
    )
    db.commit()
    return jsonify(reminder_json(reminder))
