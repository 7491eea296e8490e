"""Bulk actions on creators: the API and the list page, each record all or nothing, one audit
event per changed record, refusals with reasons, large selections as a job."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from crm.audit.models import AuditEvent
from crm.creators import bulk
from crm.creators.models import BulkJob, Creator
from tests.conftest import post_form

URL = "/api/v1/creators/bulk"


def _events(db, action: str = "creator.update") -> list[AuditEvent]:
    return list(
        db.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))
    )


def _fresh(db, creator) -> Creator:
    db.expire_all()
    return db.get(Creator, creator.id)


def _tags(db, creator) -> list[str]:
    return _fresh(db, creator).tag_names


def test_add_tags_by_ids_with_refusals_and_one_event_per_record(client, db, api, make_creator):
    user, headers = api("manager")
    a, b = make_creator(tags=["x"]), make_creator()
    gone = make_creator(archived=True)
    full = make_creator(tags=[f"t{i}" for i in range(30)])
    body = {"ids": [a.id, b.id, gone.id, full.id, 999999], "action": "add_tags", "value": ["VIP"]}
    response = client.post(URL, json=body, headers=headers)
    assert response.status_code == 200, response.get_json()
    out = response.get_json()
    assert out["done"] == [a.id, b.id]
    reasons = {r["id"]: r["reason"] for r in out["refused"]}
    assert set(reasons) == {gone.id, full.id, 999999}
    assert "archived" in reasons[gone.id]
    assert "30 tags at most" in reasons[full.id]
    assert "no such creator" in reasons[999999]
    assert _tags(db, a) == ["vip", "x"] and _tags(db, b) == ["vip"]
    assert len(_tags(db, full)) == 30  # all or nothing: untouched
    events = _events(db)
    assert [int(e.entity_id) for e in events] == [a.id, b.id]
    assert all(e.actor_id == user.id for e in events)


def test_remove_tags_set_status_and_archive(client, db, api, make_creator):
    _user, headers = api("manager")
    a = make_creator(tags=["old", "keep"], status="prospect")
    b = make_creator(tags=["old"], status="prospect")
    r = client.post(
        URL, json={"ids": [a.id, b.id], "action": "remove_tags", "value": "old"}, headers=headers
    )
    assert r.get_json()["done"] == [a.id, b.id]
    assert _tags(db, a) == ["keep"] and _tags(db, b) == []
    r = client.post(
        URL, json={"ids": [a.id], "action": "set_status", "value": "contacted"}, headers=headers
    )
    assert r.get_json() == {"done": [a.id], "refused": []}
    assert _fresh(db, a).status == "contacted"
    r = client.post(URL, json={"ids": [a.id, b.id], "action": "archive"}, headers=headers)
    assert r.get_json()["done"] == [a.id, b.id]
    assert _fresh(db, b).archived
    assert len(_events(db, "creator.archive")) == 2


def test_set_owner_is_for_admins(client, db, api, make_creator, make_user):
    owner = make_user("manager")
    c = make_creator(owner_id=None)
    _m, manager = api("manager")
    before = db.scalar(select(func.count(AuditEvent.id)))
    r = client.post(
        URL, json={"ids": [c.id], "action": "set_owner", "value": owner.id}, headers=manager
    )
    assert r.status_code == 403
    assert db.scalar(select(func.count(AuditEvent.id))) == before
    _a, admin = api("admin")
    r = client.post(
        URL, json={"ids": [c.id], "action": "set_owner", "value": owner.id}, headers=admin
    )
    assert r.get_json()["done"] == [c.id]
    db.expire_all()
    assert db.get(Creator, c.id).owner_id == owner.id
    viewer = make_user("viewer")
    r = client.post(
        URL, json={"ids": [c.id], "action": "set_owner", "value": viewer.id}, headers=admin
    )
    assert r.status_code == 422 and "value" in r.get_json()["errors"]


def test_a_filter_selects_every_matching_creator(client, db, api, make_creator):
    _user, headers = api("manager")
    a = make_creator(tags=["gaming"])
    b = make_creator(tags=["gaming"])
    other = make_creator(tags=["cooking"])
    r = client.post(
        URL,
        json={"filter": {"tag": "gaming"}, "action": "add_tags", "value": ["q4"]},
        headers=headers,
    )
    assert sorted(r.get_json()["done"]) == sorted([a.id, b.id])
    assert "q4" not in _tags(db, other)


@pytest.mark.parametrize(
    "body",
    [
        {"ids": [1], "filter": {"tag": "x"}, "action": "archive"},
        {"action": "archive"},
        {"ids": [], "action": "archive"},
        {"ids": ["1"], "action": "archive"},
        {"ids": [True], "action": "archive"},
        {"ids": [-3], "action": "archive"},
        {"ids": [1], "action": "explode"},
        {"ids": [1], "action": "set_status", "value": "famous"},
        {"ids": [1], "action": "add_tags", "value": 5},
        {"ids": [1], "action": "add_tags", "value": [{"a": 1}]},
        {"ids": [1], "action": "add_tags", "value": []},
        {"ids": [1], "action": "add_tags", "value": ["x" * 100]},
        {"ids": [1], "action": "archive", "value": "now"},
        {"filter": {"nope": "1"}, "action": "archive"},
        {"filter": {"status": "famous"}, "action": "archive"},
        {"filter": {"tag": "no-such-tag-anywhere"}, "action": "archive"},
        {"ids": [1], "action": "archive", "extra": 1},
        {"ids": [10**30], "action": "archive"},
    ],
)
def test_malformed_bodies_are_4xx_and_write_nothing(client, db, api, make_creator, body):
    _user, headers = api("manager")
    make_creator()
    before = db.scalar(select(func.count(AuditEvent.id)))
    r = client.post(URL, json=body, headers=headers)
    assert 400 <= r.status_code < 500, (body, r.status_code)
    assert r.content_type.startswith("application/problem+json")
    assert db.scalar(select(func.count(AuditEvent.id))) == before


def test_not_json_and_wrong_roles(client, api, make_creator):
    _user, headers = api("manager")
    assert (
        client.post(
            URL, data="{", headers=headers | {"Content-Type": "application/json"}
        ).status_code
        == 400
    )
    _v, viewer = api("viewer")
    assert (
        client.post(URL, json={"ids": [1], "action": "archive"}, headers=viewer).status_code == 403
    )
    _l, legal = api("legal")
    assert (
        client.post(URL, json={"ids": [1], "action": "archive"}, headers=legal).status_code == 403
    )


def test_a_large_selection_runs_as_a_job_with_progress(
    client, db, api, make_creator, session_factory
):
    _user, headers = api("manager")
    creators = [make_creator() for _ in range(bulk.SYNC_LIMIT + 5)]
    gone = make_creator(archived=True)
    ids = [c.id for c in creators] + [gone.id]
    r = client.post(
        URL, json={"ids": ids, "action": "add_tags", "value": ["wave"]}, headers=headers
    )
    assert r.status_code == 202
    job = r.get_json()
    assert job["status"] == "pending" and job["total"] == len(ids) and job["processed"] == 0
    assert _events(db) == []  # nothing done yet
    assert bulk.run_pending(session_factory) == 1
    assert bulk.run_pending(session_factory) == 0  # claimed once
    r = client.get(r.headers["Location"], headers=headers)
    out = r.get_json()
    assert out["status"] == "done" and out["processed"] == len(ids)
    assert len(out["done"]) == len(creators)
    assert out["refused"] == [{"id": gone.id, "reason": "archived; restore it first"}]
    assert len(_events(db)) == len(creators)
    assert "wave" in _tags(db, creators[-1])
    # Somebody else's job is not there for them.
    _other, other_headers = api("manager")
    assert client.get(f"{URL}/{job['id']}", headers=other_headers).status_code == 404


# --- the list page ------------------------------------------------------------------------


def test_the_list_page_bulk_tags_the_ticked_rows(client, db, login, make_creator):
    login("manager")
    a, b, c = make_creator(), make_creator(), make_creator(archived=True)
    page = client.get("/creators/?owner=any").get_data(as_text=True)
    assert 'id="bulk-form"' in page and f'name="ids" value="{a.id}"' in page
    r = post_form(
        client,
        "/creators/bulk",
        {"scope": "selected", "ids": [a.id, c.id], "action": "add_tags", "tags": "launch"},
    )
    assert r.status_code == 302
    assert "launch" in _tags(db, a) and "launch" not in _tags(db, b)
    flashed = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Done: 1." in flashed and f"#{c.id}: archived" in flashed


def test_the_list_page_acts_on_all_matching_and_exports(client, db, login, make_creator):
    login("manager")
    a, b = make_creator(tags=["music"]), make_creator(tags=["music"])
    other = make_creator()
    r = post_form(
        client,
        "/creators/bulk",
        {
            "scope": "matching",
            "filter.tag": "music",
            "filter.owner": "any",
            "action": "set_status",
            "status": "paused",
        },
    )
    assert r.status_code == 302
    db.expire_all()
    assert db.get(Creator, a.id).status == db.get(Creator, b.id).status == "paused"
    assert db.get(Creator, other.id).status != "paused"
    r = post_form(
        client, "/creators/bulk", {"scope": "selected", "ids": [a.id], "action": "export"}
    )
    assert r.status_code == 200 and r.mimetype == "text/csv"
    text = r.get_data(as_text=True)
    assert a.display_name in text and b.display_name not in text


def test_the_list_page_refuses_bad_input_without_writing(client, db, login, make_creator):
    login("manager")
    a = make_creator()
    before = db.scalar(select(func.count(AuditEvent.id)))
    for data, status in (
        ({"scope": "selected", "ids": ["x"], "action": "archive"}, 422),
        ({"scope": "selected", "ids": [a.id], "action": "nope"}, 422),
        ({"scope": "selected", "action": "archive"}, 422),
        ({"scope": "selected", "ids": [a.id], "action": "set_owner", "owner_id": "1"}, 409),
        ({"scope": "matching", "filter.status": "famous", "action": "archive"}, 422),
    ):
        r = post_form(client, "/creators/bulk", data)
        assert r.status_code == status, data  # the list again, the reason above the form
        assert 'id="bulk-form"' in r.get_data(as_text=True) and 'role="alert"' in r.get_data(
            as_text=True
        ), data
    assert db.scalar(select(func.count(AuditEvent.id))) == before
    assert (
        client.post("/creators/bulk", data={"ids": [a.id], "action": "archive"}).status_code == 400
    )


def test_the_job_page_shows_progress(client, db, login, make_creator, session_factory):
    user = login("manager")
    creators = [make_creator() for _ in range(bulk.SYNC_LIMIT + 1)]
    r = post_form(
        client,
        "/creators/bulk",
        {"scope": "selected", "ids": [c.id for c in creators], "action": "add_tags", "tags": "big"},
    )
    assert r.status_code == 302 and "/creators/bulk/" in r.headers["Location"]
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert 'data-status="pending"' in page and 'http-equiv="refresh"' in page
    bulk.run_pending(session_factory)
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert 'data-status="done"' in page and f"{len(creators)} of {len(creators)} processed" in page
    job = db.scalar(select(BulkJob).where(BulkJob.user_id == user.id))
    assert job is not None and job.status == "done"
