"""The digest's first section (R8): the user's own open reminders, overdue first, then those
due in the digest's week. Registered by `crm.reminders.register`.

"Overdue" is due before the digest's Monday and not snoozed past it; "this week" is due
Monday to Sunday, or overdue but snoozed until a day of this week (it comes back then).
A reminder snoozed beyond the week waits for a later digest, as it does on the tasks page.
A bounded number of queries whatever the number of reminders: the two counts, then each list
(capped) with the names of its creators (`record_links`).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from crm.common.permissions import ALL_ROLES
from crm.common.registry import DigestSection, record_links
from crm.common.timeutil import org_today
from crm.reminders.models import Reminder
from crm.reminders.services import days_overdue, overdue_text

LIST_LIMIT = 10
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _conditions(week_start: date, week_end: date):
    overdue = and_(
        Reminder.due_on < week_start,
        or_(Reminder.snoozed_until.is_(None), Reminder.snoozed_until <= week_start),
    )
    this_week = and_(
        Reminder.due_on <= week_end,
        or_(Reminder.snoozed_until.is_(None), Reminder.snoozed_until <= week_end),
        or_(Reminder.due_on >= week_start, Reminder.snoozed_until > week_start),
    )
    return overdue, this_week


def _as_of(week_start: date, week_end: date) -> date:
    """The day overdue is counted from: today while the digest's week runs (so a preview
    says what the tasks page says), else the week's Monday (the day it is sent)."""
    today = org_today()
    return today if week_start <= today <= week_end else week_start


def _item(reminder: Reminder, week_start: date, names: dict, as_of: date) -> dict:
    shown_on = max(reminder.due_on, reminder.snoozed_until or reminder.due_on)
    creator = names.get(("creator", reminder.creator_id), (None,))[0]
    return {
        "id": reminder.id,
        "title": reminder.title,
        "due_on": reminder.due_on,
        "days_overdue": days_overdue(reminder.due_on, as_of),
        "overdue_text": overdue_text(reminder.due_on, as_of),
        "weekday": WEEKDAYS[shown_on.weekday()],
        "snoozed_until": reminder.snoozed_until if reminder.snoozed_until == shown_on else None,
        # Named after the title unless the title already names them (most rules' do).
        "creator": creator if creator and creator not in reminder.title else None,
        "creator_id": reminder.creator_id,
    }


def build_reminders(session: Session, user, week_start: date, week_end: date):
    overdue, this_week = _conditions(week_start, week_end)
    mine = and_(Reminder.assignee_id == user.id, Reminder.status == "open")
    counts = session.execute(
        select(
            func.coalesce(func.sum(case((overdue, 1), else_=0)), 0),
            func.coalesce(func.sum(case((this_week, 1), else_=0)), 0),
        ).where(mine, Reminder.due_on <= week_end)
    ).one()
    overdue_total, week_total = int(counts[0]), int(counts[1])
    as_of = _as_of(week_start, week_end)
    if not overdue_total and not week_total:
        return None

    def listed(condition, total: int, *order):
        if not total:
            return []
        stmt = select(Reminder).where(mine, condition).order_by(*order, Reminder.id)
        rows = list(session.scalars(stmt.limit(LIST_LIMIT)))
        names = record_links(session, [("creator", r.creator_id) for r in rows])
        return [_item(r, week_start, names, as_of) for r in rows]

    # The day it shows up again: its due date, or the end of its snooze when that is later.
    shown_on = case(
        (Reminder.snoozed_until > Reminder.due_on, Reminder.snoozed_until),
        else_=Reminder.due_on,
    )
    overdue_items = listed(overdue, overdue_total, Reminder.due_on)
    week_items = listed(this_week, week_total, shown_on, Reminder.due_on)
    return {
        "overdue": overdue_items,
        "overdue_total": overdue_total,
        "overdue_more": overdue_total - len(overdue_items),
        "this_week": week_items,
        "week_total": week_total,
        "week_more": week_total - len(week_items),
    }


SECTION = DigestSection(
    "reminders",
    build_reminders,
    "email/digest/reminders.html",
    "email/digest/reminders.txt",
    roles=ALL_ROLES,
    order=10,
)
