"""The "My tasks" page, its buttons, the navigation badge and the home panel."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from crm.audit.models import AuditEvent
from crm.common.timeutil import today_in
from crm.reminders import notifications
from crm.reminders.models import Reminder
from tests.conftest import post_form
from tests.factories import CreatorFactory, NdaFactory
from tests.reminders.factories import ReminderFactory


def _add(db, user, days=0, **kwargs):
    return ReminderFactory(
        assignee_id=user.id, due_on=today_in(user.timezone) + timedelta(days=days), **kwargs
    )


def _section(html: str, key: str) -> str:
    start = html.find(f'id="h-{key}"')
    if start < 0:
        return ""
    end = html.find("</section>", start)
    return html[start:end]


def test_tasks_page_groups_overdue_today_and_upcoming(client, db, login):
    user = login("manager")
    creator = CreatorFactory(display_name="Pia Pixel")
    _add(db, user, -3, title="Chase the invoice", creator_id=creator.id)
    _add(db, user, 0, title="Send the brief")
    _add(db, user, 4, title="Plan the shoot")
    _add(db, user, -1, title="Snoozed thing", snoozed_until=today_in("UTC") + timedelta(days=2))
    _add(db, user, -1, title="Finished thing", status="done")
    html = client.get("/tasks/").get_data(as_text=True)
    assert "Chase the invoice" in _section(html, "overdue")
    assert "3 days overdue" in _section(html, "overdue")
    assert "Pia Pixel" in _section(html, "overdue")
    assert "Send the brief" in _section(html, "today")
    assert "Plan the shoot" in _section(html, "upcoming")
    for key in ("overdue", "today", "upcoming"):
        assert "Snoozed thing" not in _section(html, key)
        assert "Finished thing" not in _section(html, key)
    assert "Snoozed thing" in _section(html, "snoozed")
    assert "Finished thing" in _section(html, "closed")


def test_a_task_links_its_creator_and_its_subject(client, db, login):
    user = login("manager")
    creator = CreatorFactory.build(display_name="Lin Link")
    db.add(creator)
    db.flush()
    nda = NdaFactory.build(creator_id=creator.id)
    db.add(nda)
    db.flush()
    _add(
        db, user, 0, title="Renew it", creator_id=creator.id, subject_type="nda", subject_id=nda.id
    )
    html = _section(client.get("/tasks/").get_data(as_text=True), "today")
    assert f'<a href="/creators/{creator.id}">Lin Link</a>' in html
    assert f'<a href="/agreements/ndas/{nda.id}">NDA #{nda.id}</a>' in html


def test_someone_elses_tasks_are_not_listed(client, db, login, make_user):
    login("manager")
    _add(db, make_user("manager"), 0, title="Not mine")
    assert "Not mine" not in client.get("/tasks/").get_data(as_text=True)


def test_done_dismiss_and_snooze_buttons(client, db, login):
    user = login("manager")
    a, b, c = (_add(db, user, 0, title=t) for t in ("Alpha task", "Beta task", "Gamma task"))
    assert post_form(client, f"/tasks/{a.id}/done").status_code == 302
    assert post_form(client, f"/tasks/{b.id}/dismiss").status_code == 302
    until = today_in(user.timezone) + timedelta(days=3)
    response = post_form(client, f"/tasks/{c.id}/snooze", {"until": until.isoformat()})
    assert response.status_code == 302
    db.expire_all()
    assert (a.status, b.status, c.status, c.snoozed_until) == ("done", "dismissed", "open", until)
    assert a.done_at is not None
    html = client.get("/tasks/").get_data(as_text=True)
    assert "Gamma task" in _section(html, "snoozed")
    assert "Gamma task" not in _section(html, "today")
    actions = set(db.scalars(select(AuditEvent.action).where(AuditEvent.entity == "reminder")))
    assert {"reminder.done", "reminder.dismiss", "reminder.update"} <= actions


def test_snooze_into_the_past_is_refused(client, db, login):
    user = login("manager")
    r = _add(db, user, 0, title="Stay")
    yesterday = today_in(user.timezone) - timedelta(days=1)
    response = post_form(client, f"/tasks/{r.id}/snooze", {"until": yesterday.isoformat()})
    assert response.status_code == 422  # the tasks page, the date kept beside its message
    page = response.get_data(as_text=True)
    assert "must be after today" in page and f'id="snooze-{r.id}-errors"' in page
    assert f'value="{yesterday.isoformat()}"' in page
    db.expire_all()
    assert r.snoozed_until is None


def test_actions_on_someone_elses_task_are_404(client, db, login, make_user):
    login("manager")
    other = _add(db, make_user("manager"), 0)
    assert post_form(client, f"/tasks/{other.id}/done").status_code == 404
    db.expire_all()
    assert other.status == "open"


def test_add_a_task_for_someone_else_calls_the_assigned_hook(
    client, db, login, make_user, monkeypatch
):
    me = login("manager")
    colleague = make_user("legal", name="Lee Colleague")
    calls = []

    def hook(session, reminder):
        calls.append((reminder.assignee_id, reminder.title, reminder.created_by_id))

    monkeypatch.setattr(notifications, "email_assignee", hook)
    response = post_form(
        client,
        "/tasks/",
        {
            "title": "Read the draft",
            "due_on": today_in("UTC").isoformat(),
            "assignee_id": str(colleague.id),
        },
    )
    assert response.status_code == 302
    assert calls == [(colleague.id, "Read the draft", me.id)]
    reminder = db.scalar(select(Reminder).where(Reminder.title == "Read the draft"))
    assert reminder.rule == "" and reminder.dedupe_key is None
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "reminder.create"))
    assert event.entity_id == str(reminder.id) and event.actor_id == me.id


def test_add_a_task_for_myself_does_not_call_the_hook(client, db, login, monkeypatch):
    me = login("manager")
    calls = []
    monkeypatch.setattr(notifications, "email_assignee", lambda *args: calls.append(args))
    post_form(
        client,
        "/tasks/",
        {"title": "Mine", "due_on": "2026-12-01", "assignee_id": str(me.id)},
    )
    assert calls == []
    assert db.scalar(select(Reminder).where(Reminder.title == "Mine")).assignee_id == me.id


def test_a_task_about_a_creator(client, db, login):
    me = login("manager")
    creator = CreatorFactory(display_name="Cam Creator")
    page = client.get(f"/tasks/?creator_id={creator.id}").get_data(as_text=True)
    assert "About <strong>Cam Creator</strong>" in page
    post_form(
        client,
        "/tasks/",
        {
            "title": "Send samples",
            "due_on": "2026-12-01",
            "assignee_id": str(me.id),
            "creator_id": str(creator.id),
        },
    )
    reminder = db.scalar(select(Reminder).where(Reminder.title == "Send samples"))
    assert (reminder.creator_id, reminder.subject_type) == (creator.id, "creator")


@pytest.mark.parametrize(
    ("data", "field_error"),
    [
        ({"title": "", "due_on": "2026-12-01"}, "This field is required."),
        ({"title": "x", "due_on": "31/12/2026"}, "Not a valid date value."),
        ({"title": "x" * 301, "due_on": "2026-12-01"}, "300"),
        ({"title": "x", "due_on": "2026-12-01", "assignee_id": "999999"}, "Not a valid choice"),
    ],
)
def test_bad_task_form_shows_field_errors(client, db, login, data, field_error):
    me = login("manager")
    data = {"assignee_id": str(me.id), **data}
    response = post_form(client, "/tasks/", data)
    assert response.status_code == 422
    assert field_error in response.get_data(as_text=True)
    assert db.scalar(select(Reminder).where(Reminder.assignee_id == me.id)) is None


def test_viewer_sees_tasks_but_cannot_create(client, db, login):
    viewer = login("viewer")
    _add(db, viewer, 0, title="Read the report")
    page = client.get("/tasks/").get_data(as_text=True)
    assert "Read the report" in page and "New task" not in page
    response = post_form(client, "/tasks/", {"title": "x", "due_on": "2026-12-01"})
    assert response.status_code == 403


def test_nav_badge_counts_overdue_and_today(client, db, login):
    user = login("legal")
    _add(db, user, -2)
    _add(db, user, 0)
    _add(db, user, 1)  # upcoming: not counted
    _add(db, user, -1, status="done")
    _add(db, user, -1, snoozed_until=today_in("UTC") + timedelta(days=5))
    html = client.get("/tasks/").get_data(as_text=True)
    assert 'Tasks\n              <span class="badge rounded-pill text-bg-warning">2<' in html


def test_home_panel_lists_my_overdue_and_due_today(client, db, login):
    user = login("manager")
    _add(db, user, -1, title="Yesterday's call")
    _add(db, user, 3, title="Later thing")
    html = client.get("/").get_data(as_text=True)
    assert "My tasks due" in html and "Yesterday&#39;s call" in html
    assert "Later thing" not in html


def test_tasks_page_runs_a_fixed_number_of_queries(client, db, login, count_queries):
    user = login("manager")

    def measure():
        with count_queries() as counter:
            assert client.get("/tasks/").status_code == 200
        return counter.count

    for n in range(3):
        creator = CreatorFactory()
        _add(db, user, n - 1, creator_id=creator.id)
    few = measure()
    for n in range(15):
        creator = CreatorFactory()
        _add(db, user, n - 5, creator_id=creator.id, created_by_id=user.id)
    assert measure() == few


def test_creator_section_lists_open_tasks_about_the_creator(app, db, make_user):
    from flask import render_template

    from crm.reminders.views import creator_section

    user = make_user("manager", name="Mo Manager")
    creator = CreatorFactory(display_name="Sam Sound")
    _add(db, user, 2, title="Ship the headset", creator_id=creator.id)
    _add(db, user, 2, title="Closed one", creator_id=creator.id, status="done")
    section = creator_section(db, creator, user)
    with app.test_request_context("/"):
        html = render_template("reminders/_creator_section.html", section=section, creator=creator)
    assert "Ship the headset" in html and "Mo Manager" in html
    assert "Closed one" not in html
