"""/api/v1/reminders: mine by default, create, change; object-level access."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from crm.common.timeutil import today_in
from crm.reminders.models import Reminder
from tests.reminders.factories import ReminderFactory


def _add(db, user, days=0, **kwargs):
    r = ReminderFactory(
        assignee_id=user.id, due_on=today_in("UTC") + timedelta(days=days), **kwargs
    )
    return r


def test_list_is_mine_by_default_ordered_by_due_date(client, db, api, make_user):
    user, headers = api("manager")
    later = _add(db, user, 5, title="Later")
    sooner = _add(db, user, -1, title="Sooner")
    _add(db, make_user("manager"), 0, title="Not mine")
    body = client.get("/api/v1/reminders", headers=headers).get_json()
    assert [i["id"] for i in body["items"]] == [sooner.id, later.id]
    assert body["next_cursor"] is None
    item = body["items"][0]
    assert item["title"] == "Sooner" and item["status"] == "open" and item["rule"] == ""
    assert item["due_on"] == sooner.due_on.isoformat()


def test_status_filter_and_pagination(client, db, api):
    user, headers = api("legal")
    for n in range(3):
        _add(db, user, n)
    closed = _add(db, user, 0, status="dismissed")
    body = client.get("/api/v1/reminders?status=dismissed", headers=headers).get_json()
    assert [i["id"] for i in body["items"]] == [closed.id]
    page = client.get("/api/v1/reminders?status=open&limit=2", headers=headers).get_json()
    assert len(page["items"]) == 2 and page["next_cursor"]
    rest = client.get(
        f"/api/v1/reminders?status=open&limit=2&cursor={page['next_cursor']}", headers=headers
    ).get_json()
    assert len(rest["items"]) == 1
    bad = client.get("/api/v1/reminders?status=finished", headers=headers)
    assert bad.status_code == 422 and "status" in bad.get_json()["errors"]


def test_only_admins_list_someone_elses(client, db, api, make_user):
    other = make_user("manager")
    theirs = _add(db, other, 0)
    _admin, admin_headers = api("admin")
    body = client.get(f"/api/v1/reminders?assignee_id={other.id}", headers=admin_headers)
    assert [i["id"] for i in body.get_json()["items"]] == [theirs.id]
    _m, manager_headers = api("manager")
    response = client.get(f"/api/v1/reminders?assignee_id={other.id}", headers=manager_headers)
    assert response.status_code == 403


def test_create_for_someone_else(client, db, api, make_user):
    _user, headers = api("manager")
    colleague = make_user("legal")
    response = client.post(
        "/api/v1/reminders",
        json={"title": "Check the caption", "due_on": "2026-12-03", "assignee_id": colleague.id},
        headers=headers,
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["assignee_id"] == colleague.id and body["dedupe_key"] is None
    assert response.headers["Location"].endswith(f"/api/v1/reminders/{body['id']}")
    assert db.get(Reminder, body["id"]).title == "Check the caption"


def test_create_defaults_to_me(client, db, api):
    user, headers = api("manager")
    response = client.post(
        "/api/v1/reminders", json={"title": "Mine", "due_on": "2026-12-03"}, headers=headers
    )
    assert response.get_json()["assignee_id"] == user.id


def test_create_refuses_bad_fields(client, db, api, make_user):
    _user, headers = api("manager")
    inactive = make_user("manager", active=False)
    response = client.post(
        "/api/v1/reminders",
        json={"title": "", "due_on": "soon", "assignee_id": inactive.id, "status": "done"},
        headers=headers,
    )
    assert response.status_code == 422
    assert {"title", "due_on", "status"} <= set(response.get_json()["errors"])
    response = client.post(
        "/api/v1/reminders",
        json={"title": "x", "due_on": "2026-12-03", "assignee_id": inactive.id, "creator_id": 0},
        headers=headers,
    )
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"assignee_id", "creator_id"}
    assert db.scalar(select(Reminder)) is None


def test_viewer_cannot_create(client, api):
    _user, headers = api("viewer")
    response = client.post(
        "/api/v1/reminders", json={"title": "x", "due_on": "2026-12-03"}, headers=headers
    )
    assert response.status_code == 403


def test_patch_done_snooze_and_reopen(client, db, api):
    user, headers = api("viewer")  # a viewer still works their own tasks
    r = _add(db, user, 0)
    url = f"/api/v1/reminders/{r.id}"
    body = client.patch(url, json={"status": "done"}, headers=headers).get_json()
    assert body["status"] == "done" and body["done_at"]
    body = client.patch(url, json={"status": "open"}, headers=headers).get_json()
    assert body["status"] == "open" and body["done_at"] is None
    until = (today_in("UTC") + timedelta(days=2)).isoformat()
    body = client.patch(url, json={"snoozed_until": until}, headers=headers).get_json()
    assert body["snoozed_until"] == until
    body = client.patch(url, json={"snoozed_until": None}, headers=headers).get_json()
    assert body["snoozed_until"] is None
    body = client.patch(
        url, json={"title": "Renamed", "due_on": "2026-12-24"}, headers=headers
    ).get_json()
    assert (body["title"], body["due_on"]) == ("Renamed", "2026-12-24")


def test_patch_refuses_bad_values(client, db, api):
    user, headers = api("manager")
    r = _add(db, user, 0)
    url = f"/api/v1/reminders/{r.id}"
    past = (today_in("UTC") - timedelta(days=1)).isoformat()
    for payload, field in [
        ({"snoozed_until": past}, "snoozed_until"),
        ({"status": "finished"}, "status"),
        ({"status": None}, "status"),
        ({"due_on": None}, "due_on"),
        ({"title": ""}, "title"),
        ({"dedupe_key": "x"}, "dedupe_key"),
    ]:
        response = client.patch(url, json=payload, headers=headers)
        assert response.status_code == 422, payload
        assert field in response.get_json()["errors"], payload
    db.expire_all()
    assert (r.status, r.snoozed_until, r.title) == ("open", None, r.title)


def test_someone_elses_reminder_is_404_but_an_admin_may_change_it(client, db, api, make_user):
    other = make_user("manager")
    r = _add(db, other, 0)
    _m, manager_headers = api("manager")
    url = f"/api/v1/reminders/{r.id}"
    assert client.get(url, headers=manager_headers).status_code == 404
    assert client.patch(url, json={"status": "done"}, headers=manager_headers).status_code == 404
    _a, admin_headers = api("admin")
    response = client.patch(url, json={"status": "dismissed"}, headers=admin_headers)
    assert response.status_code == 200 and response.get_json()["status"] == "dismissed"


def test_reassigning_calls_the_assigned_hook(client, db, api, make_user, monkeypatch):
    from crm.reminders import notifications

    user, headers = api("manager")
    colleague = make_user("manager")
    r = _add(db, user, 0, created_by_id=user.id)
    calls = []

    def hook(session, reminder):
        calls.append(reminder.assignee_id)

    monkeypatch.setattr(notifications, "email_assignee", hook)
    response = client.patch(
        f"/api/v1/reminders/{r.id}", json={"assignee_id": colleague.id}, headers=headers
    )
    assert response.status_code == 200
    assert calls == [colleague.id]
    # the author still sees it; the new assignee has it in their list
    assert client.get(f"/api/v1/reminders/{r.id}", headers=headers).status_code == 200
