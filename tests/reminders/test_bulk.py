"""Done, snooze and reassign many tasks at once: each all or nothing, with a summary."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from crm.audit.models import AuditEvent
from crm.common.timeutil import today_in
from crm.reminders.models import Reminder
from tests.conftest import post_form
from tests.reminders.factories import ReminderFactory


def _task(user, **kw):
    kw.setdefault("due_on", today_in("UTC"))
    return ReminderFactory(assignee_id=user.id, **kw)


def _fresh(db, r) -> Reminder:
    db.expire_all()
    return db.get(Reminder, r.id)


def test_bulk_done_with_a_refusal_for_someone_elses_task(client, db, login, make_user):
    me = login("manager")
    other = make_user("manager")
    a, b = _task(me), _task(me)
    theirs = _task(other)
    page = client.get("/tasks/").get_data(as_text=True)
    assert 'id="tasks-bulk-form"' in page and f'name="ids" value="{a.id}"' in page
    r = post_form(client, "/tasks/bulk", {"ids": [a.id, b.id, theirs.id], "action": "done"})
    assert r.status_code == 302
    assert _fresh(db, a).status == _fresh(db, b).status == "done"
    assert _fresh(db, theirs).status == "open"
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "reminder.done")).all()
    assert sorted(int(e.entity_id) for e in events) == sorted([a.id, b.id])
    text = client.get("/tasks/").get_data(as_text=True)
    assert "Done: 2." in text and f"#{theirs.id}: No such reminder." in text


def test_bulk_snooze_and_reassign(client, db, login, make_user):
    me = login("manager")
    colleague = make_user("legal")
    a, b = _task(me), _task(me)
    until = today_in("UTC") + timedelta(days=5)
    r = post_form(
        client, "/tasks/bulk", {"ids": [a.id, b.id], "action": "snooze", "until": until.isoformat()}
    )
    assert r.status_code == 302
    assert _fresh(db, a).snoozed_until == _fresh(db, b).snoozed_until == until
    r = post_form(
        client, "/tasks/bulk", {"ids": [a.id], "action": "reassign", "assignee_id": colleague.id}
    )
    assert _fresh(db, a).assignee_id == colleague.id
    assert _fresh(db, b).assignee_id == me.id


def test_a_viewer_cannot_reassign_in_bulk(client, db, login, make_user):
    viewer = login("viewer")
    other = make_user("manager")
    a = _task(viewer)
    post_form(client, "/tasks/bulk", {"ids": [a.id], "action": "reassign", "assignee_id": other.id})
    assert _fresh(db, a).assignee_id == viewer.id
    assert "a viewer cannot reassign" in client.get("/tasks/").get_data(as_text=True)


def test_bad_bulk_input_writes_nothing(client, db, login):
    me = login("manager")
    a = _task(me)
    before = db.scalar(select(func.count(AuditEvent.id)))
    for data in (
        {"action": "done"},
        {"ids": ["x"], "action": "done"},
        {"ids": [a.id], "action": "explode"},
        {"ids": [a.id], "action": "snooze", "until": "soon"},
        {"ids": [a.id], "action": "reassign", "assignee_id": "nobody"},
    ):
        refused = post_form(client, "/tasks/bulk", data)
        assert refused.status_code == 422, data  # the tasks page again, with the reason
        assert 'role="alert"' in refused.get_data(as_text=True), data
    for data in (  # refused task by task: the summary says so
        {"ids": [a.id], "action": "snooze", "until": date(2000, 1, 1).isoformat()},
        {"ids": [a.id], "action": "reassign", "assignee_id": "999999"},
    ):
        assert post_form(client, "/tasks/bulk", data).status_code == 302, data
    assert db.scalar(select(func.count(AuditEvent.id))) == before
    assert _fresh(db, a).status == "open" and _fresh(db, a).snoozed_until is None
    assert client.post("/tasks/bulk", data={"ids": [a.id], "action": "done"}).status_code == 400
