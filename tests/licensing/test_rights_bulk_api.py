"""`POST /api/v1/works/rights/bulk`: rights set on many works in one transaction, each work
checked as a single edit is, a summary per id, audited; bad input is a 4xx problem."""

from __future__ import annotations

import time
from datetime import date

import pytest

from crm.audit.models import AuditEvent
from crm.licensing.models import RegistryChange, Work

URL = "/api/v1/works/rights/bulk"


@pytest.fixture
def archive(db, make_creator, make_work):
    creator = make_creator()
    other = make_creator()
    old = make_work(creator, kind="image", rights="unknown", created_on=date(2019, 5, 1))
    new = make_work(creator, kind="image", rights="unknown", created_on=date(2024, 5, 1))
    text = make_work(creator, kind="text", rights="unknown", created_on=date(2019, 5, 1))
    duet = make_work(creator, kind="audio", rights="shared", co_holders=["Bo"])
    theirs = make_work(other, kind="image", rights="unknown", created_on=date(2019, 5, 1))
    return creator, old, new, text, duet, theirs


def test_by_ids_with_a_summary_per_id(client, api, db, archive):
    _creator, old, new, text, _duet, _theirs = archive
    _user, headers = api("manager")
    body = {
        "ids": [old.id, new.id, 999_999, old.id],
        "rights": "client",
        "client_name": "Harbour Magazine",
        "relicense_allowed": True,
        "rights_evidence": "Contract 2019-14, clause 7",
    }
    res = client.post(URL, json=body, headers=headers)
    assert res.status_code == 200, res.get_json()
    assert res.get_json() == {
        "done": [old.id, new.id],
        "refused": [{"id": 999_999, "reason": "no such work"}],
    }
    db.expire_all()
    for w in (db.get(Work, old.id), db.get(Work, new.id)):
        assert (w.rights, w.client_name) == ("client", "Harbour Magazine")
        assert w.relicense_allowed is True
        assert w.rights_evidence == "Contract 2019-14, clause 7"
    assert db.get(Work, text.id).rights == "unknown"
    events = db.query(AuditEvent).filter_by(action="work.rights_bulk").all()
    assert sorted(int(e.entity_id) for e in events) == sorted([old.id, new.id])
    assert events[0].changes["rights"] == ["unknown", "client"]
    fed = {c.work_id for c in db.query(RegistryChange).filter_by(event="rights.changed")}
    assert {old.id, new.id} <= fed and text.id not in fed
    # The works are licensable now (the change reaches the verdict).
    verdict = client.get(f"/api/v1/works/{old.id}/licensable", headers=headers).get_json()
    assert verdict["licensable"] is True


def test_by_filter_and_each_work_checked_as_a_single_edit(client, api, db, archive):
    creator, old, new, text, duet, theirs = archive
    _user, headers = api("admin")
    res = client.post(
        URL,
        json={"filter": {"creator_id": creator.id, "to": "2020-12-31"}, "rights": "creator"},
        headers=headers,
    )
    assert res.status_code == 200, res.get_json()
    assert res.get_json() == {"done": sorted([old.id, text.id]), "refused": []}
    db.expire_all()
    assert db.get(Work, new.id).rights == "unknown" and db.get(Work, theirs.id).rights == "unknown"

    # Shared rights need the other holders: the duet names them, the others do not.
    res = client.post(
        URL,
        json={"filter": {"creator_id": creator.id}, "rights": "shared"},
        headers=headers,
    )
    summary = res.get_json()
    assert summary["done"] == [duet.id]
    assert {r["id"] for r in summary["refused"]} == {old.id, new.id, text.id}
    assert all(
        r["reason"] == "co_holders: name the other holders of shared rights"
        for r in summary["refused"]
    )
    res = client.post(
        URL,
        json={"filter": {"kind": "image", "from": "2019-01-01"}, "relicense_allowed": True},
        headers=headers,
    )
    refused = res.get_json()["refused"]
    assert {r["id"] for r in refused} == {old.id, new.id, theirs.id}
    assert "only a client work" in refused[0]["reason"]


def test_roles_as_for_single_edits(client, api, archive):
    _creator, old, *_rest = archive
    for role in ("viewer", "legal"):
        _user, headers = api(role)
        res = client.post(URL, json={"ids": [old.id], "rights": "creator"}, headers=headers)
        assert res.status_code == 403, role
    assert client.post(URL, json={"ids": [old.id], "rights": "creator"}).status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"rights": "creator"},
        {"ids": [1], "filter": {"kind": "image"}, "rights": "creator"},
        {"ids": [1]},
        {"ids": "1,2", "rights": "creator"},
        {"ids": ["a"], "rights": "creator"},
        {"ids": [True], "rights": "creator"},
        {"ids": [0], "rights": "creator"},
        {"ids": [-4], "rights": "creator"},
        {"ids": [2**70], "rights": "creator"},
        {"ids": [1.5], "rights": "creator"},
        {"ids": [None], "rights": "creator"},
        {"ids": [], "rights": "creator"},
        {"ids": list(range(1, 10_002)), "rights": "creator"},
        {"ids": [1], "rights": "mine"},
        {"ids": [1], "rights": None},
        {"ids": [1], "rights": 3},
        {"ids": [1], "rights": ["creator"]},
        {"ids": [1], "relicense_allowed": "maybe"},
        {"ids": [1], "rights_evidence": "x" * 5001},
        {"ids": [1], "co_holders": "Ana"},
        {"ids": [1], "co_holders": ["x" * 201]},
        {"ids": [1], "co_holders": ["a"] * 21},
        {"ids": [1], "rights": "shared", "co_holders": []},
        {"ids": [1], "rights": "client", "client_name": ""},
        {"ids": [1], "title": "renamed"},
        {"ids": [1], "rights": "creator", "owner_id": 1},
        {"filter": {}, "rights": "creator"},
        {"filter": {"kind": "sculpture"}, "rights": "creator"},
        {"filter": {"from": "soon"}, "rights": "creator"},
        {"filter": {"from": "2024-02-30"}, "rights": "creator"},
        {"filter": {"from": "2024-02-01", "to": "2024-01-01"}, "rights": "creator"},
        {"filter": {"creator_id": "abc"}, "rights": "creator"},
        {"filter": {"creator_id": 999_999}, "rights": "creator"},
        {"filter": {"creator_id": 2**70}, "rights": "creator"},
        {"filter": {"tag": "x"}, "rights": "creator"},
        {"filter": "all", "rights": "creator"},
        {"filter": [1], "rights": "creator"},
        [1, 2],
        "rights",
        None,
    ],
)
def test_malformed_bodies_are_problems_never_500(client, api, archive, body):
    _user, headers = api("manager")
    res = client.post(URL, json=body, headers=headers)
    assert 400 <= res.status_code < 500, (res.status_code, res.get_data()[:300])
    assert res.mimetype == "application/problem+json"
    assert res.get_json()["status"] == res.status_code


@pytest.mark.parametrize(
    "raw", [b"not json", b"{", b"\xff\xfe", b'{"ids": [1], "rights": "creator"' + b" " * 10]
)
def test_bodies_that_are_not_json(client, api, archive, raw):
    _user, headers = api("manager")
    res = client.post(URL, data=raw, headers=headers | {"Content-Type": "application/json"})
    assert 400 <= res.status_code < 500


def test_ten_thousand_unknown_ids_are_refused_quickly(client, api, archive):
    _creator, old, *_rest = archive
    _user, headers = api("manager")
    ids = [old.id, *range(5_000_000, 5_000_000 + 9_999)]
    started = time.perf_counter()
    res = client.post(URL, json={"ids": ids, "rights": "creator"}, headers=headers)
    elapsed = time.perf_counter() - started
    assert res.status_code == 200
    summary = res.get_json()
    assert summary["done"] == [old.id] and len(summary["refused"]) == 9_999
    assert elapsed < 20, elapsed


@pytest.mark.parametrize(
    "body",
    [
        {"ids": list(range(1, 100_001)), "rights": "creator"},
        {"ids": [[[[[[[[[[1]]]]]]]]]], "rights": "creator"},
        {"filter": {"creator_id": {"$gt": 0}}, "rights": "creator"},
        {"ids": [1], "rights": "creator\u202e"},
        {"ids": [0], "client_name": "Acme\x00", "rights": "client"},
        {"ids": [0], "rights_evidence": "\x00", "rights": "creator"},
        {"ids": [0], "co_holders": ["A\x00"], "rights": "shared"},
    ],
)
def test_hostile_bodies(client, api, archive, body):
    _creator, old, *_rest = archive
    if body.get("ids") == [0]:
        body = body | {"ids": [old.id]}  # a real work, so the value reaches the database
    _user, headers = api("manager")
    res = client.post(URL, json=body, headers=headers)
    assert 400 <= res.status_code < 500, (res.status_code, res.get_data()[:300])


@pytest.mark.parametrize(
    "territory",
    ["\u0661\u0662", "F\u200bR", "x" * 5000, {"FR": 1}, [None], ["FR"] * 400, "EU" * 600],
)
def test_hostile_territories_are_422(client, api, archive, territory):
    _creator, old, *_rest = archive
    _user, headers = api("manager")
    body = {"use": "ai_training", "items": [{"url": old.url}], "territory": territory}
    res = client.post("/api/v1/consent/check", json=body, headers=headers)
    assert res.status_code == 422, (territory, res.status_code)


def test_nul_in_a_single_edit_or_a_release_is_a_field_error(client, api, archive):
    _creator, old, *_rest = archive
    _user, headers = api("manager")
    for body in ({"rights_evidence": "a\x00b"}, {"title": "T\x00"}, {"tags": ["a\x00"]}):
        res = client.patch(f"/api/v1/works/{old.id}", json=body, headers=headers)
        assert res.status_code == 422, (body, res.status_code)
        assert set(res.get_json()["errors"]) == set(body)
    release = {"kind": "model", "subject": "J\x00", "uses": ["ai_training"], "work_ids": [old.id]}
    res = client.post("/api/v1/releases", json=release, headers=headers)
    assert res.status_code == 422 and "subject" in res.get_json()["errors"]
