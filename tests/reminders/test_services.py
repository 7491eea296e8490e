"""Manual reminders and task actions in the service layer."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from crm.audit.models import AuditEvent
from crm.common.errors import Forbidden, Invalid
from crm.reminders import services
from tests.reminders.conftest import TODAY


def test_manual_reminder_is_audited(db, owner):
    reminder = services.create_reminder(db, owner, title="  Call Pia  ", due_on=TODAY, today=TODAY)
    assert (reminder.title, reminder.assignee_id, reminder.created_by_id) == (
        "Call Pia",
        owner.id,
        owner.id,
    )
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "reminder.create"))
    assert event.changes["title"] == "Call Pia"


def test_viewer_cannot_create_reminders(db, make_user):
    with pytest.raises(Forbidden):
        services.create_reminder(db, make_user("viewer"), title="x", due_on=TODAY, today=TODAY)


def test_all_bad_fields_are_reported_at_once(db, owner):
    with pytest.raises(Invalid) as exc:
        services.create_reminder(
            db, owner, title="", due_on=date(1990, 1, 1), assignee_id=999999, today=TODAY
        )
    assert set(exc.value.errors) == {"title", "due_on", "assignee_id"}


def test_snooze_hides_until_the_date(db, owner):
    r = services.create_reminder(db, owner, title="Later", due_on=TODAY, today=TODAY)
    services.snooze(db, owner, r, TODAY + timedelta(days=2), TODAY)
    for day, visible in [
        (TODAY, False),
        (TODAY + timedelta(days=1), False),
        (TODAY + timedelta(days=2), True),
    ]:
        assert services.due_count(db, owner.id, day) == (1 if visible else 0)
        board = services.task_board(db, owner.id, day)
        assert (r in board.overdue + board.today) is visible
        assert (r in board.snoozed) is not visible
    assert [x.id for x in services.due_now(db, owner.id, TODAY + timedelta(days=2))] == [r.id]


def test_closing_a_snoozed_reminder_clears_the_snooze(db, owner):
    r = services.create_reminder(db, owner, title="Later", due_on=TODAY, today=TODAY)
    services.snooze(db, owner, r, TODAY + timedelta(days=2), TODAY)
    services.set_status(db, owner, r, "done")
    assert (r.status, r.snoozed_until) == ("done", None)
    assert services.due_count(db, owner.id, TODAY + timedelta(days=5)) == 0


def test_unchanged_update_writes_no_audit(db, owner):
    r = services.create_reminder(db, owner, title="Same", due_on=TODAY, today=TODAY)
    before = db.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
    services.update_reminder(db, owner, r, {"title": "Same"}, today=TODAY)
    assert db.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)) == before
