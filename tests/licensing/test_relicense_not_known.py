"""Re-licensing of a client work is a tri-state (yes / no / not known). In the JSON API an
explicit `"relicense_allowed": null` says "not known" and a field left out leaves it as it
is; the staff forms offer the same three answers as the portal's."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crm.audit.models import AuditEvent
from crm.licensing.models import Work
from tests.conftest import post_form

BULK = "/api/v1/works/rights/bulk"
NOT_KNOWN = ["client-owned, re-licensing not known"]
NO_CLAUSE = ["client-owned, no re-licence clause"]


@pytest.fixture
def commission(make_creator, make_work):
    creator = make_creator()
    work = make_work(
        creator, rights="client", client_name="Harbour Magazine", relicense_allowed=True
    )
    return creator, work


def _reasons(client, headers, work) -> list[str]:
    answer = client.get(f"/api/v1/works/{work.id}/licensable", headers=headers)
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["reasons"]


def _state(document: dict) -> tuple[bool, bool]:
    return document["relicense_allowed"], document["relicense_known"]


def test_patch_null_is_not_known_and_a_field_left_out_is_unchanged(client, api, commission):
    _creator, work = commission
    _user, headers = api("manager")
    url = f"/api/v1/works/{work.id}"
    assert _reasons(client, headers, work) == []

    cleared = client.patch(url, json={"relicense_allowed": None}, headers=headers)
    assert cleared.status_code == 200, cleared.get_json()
    assert _state(cleared.get_json()) == (False, False)
    assert _reasons(client, headers, work) == NOT_KNOWN

    # Other fields, or rights restated without the clause: still not known.
    for body in ({"title": "Harbour, spring issue"}, {"rights": "client"}, {}):
        kept = client.patch(url, json=body, headers=headers)
        assert kept.status_code == 200, (body, kept.get_json())
        assert _state(kept.get_json()) == (False, False), body
    assert _reasons(client, headers, work) == NOT_KNOWN

    said = client.patch(url, json={"relicense_allowed": False}, headers=headers)
    assert _state(said.get_json()) == (False, True)
    assert _reasons(client, headers, work) == NO_CLAUSE
    assert _state(client.patch(url, json={"title": "x"}, headers=headers).get_json()) == (
        False,
        True,
    )
    yes = client.patch(url, json={"relicense_allowed": True}, headers=headers)
    assert _state(yes.get_json()) == (True, True) and _reasons(client, headers, work) == []


def test_create_with_null_is_not_known_and_without_the_field_is_no(client, api, db, make_creator):
    creator = make_creator()
    _user, headers = api("manager")
    base = {"creator_id": creator.id, "kind": "image", "rights": "client", "client_name": "Acme"}
    unknown = client.post(
        "/api/v1/works",
        json=base | {"title": "A", "url": "https://x.example/a", "relicense_allowed": None},
        headers=headers,
    )
    assert unknown.status_code == 201, unknown.get_json()
    assert _state(unknown.get_json()) == (False, False)
    silent = client.post(
        "/api/v1/works", json=base | {"title": "B", "url": "https://x.example/b"}, headers=headers
    )
    assert _state(silent.get_json()) == (False, True)
    listed = client.post(
        "/api/v1/works",
        json=[
            base | {"title": "C", "url": "https://x.example/c", "relicense_allowed": None},
            base | {"title": "D", "url": "https://x.example/d"},
        ],
        headers=headers,
    )
    assert listed.status_code == 201, listed.get_json()
    assert [_state(w) for w in listed.get_json()["items"]] == [(False, False), (False, True)]


def test_bulk_null_is_not_known_and_left_out_is_unchanged(client, api, db, commission, make_work):
    creator, work = commission
    other = make_work(creator, rights="client", client_name="Acme", relicense_allowed=False)
    own = make_work(creator)  # the creator's own work carries no clause
    _user, headers = api("manager")

    res = client.post(
        BULK, json={"ids": [work.id, other.id, own.id], "relicense_allowed": None}, headers=headers
    )
    assert res.status_code == 200, res.get_json()
    summary = res.get_json()
    assert summary["done"] == [work.id, other.id]
    assert summary["refused"] == [
        {
            "id": own.id,
            "reason": "relicense_allowed: only a client work carries a re-licence clause",
        }
    ]
    db.expire_all()
    assert [(w.relicense_allowed, w.relicense_known) for w in (work, other)] == [(False, False)] * 2
    assert (own.relicense_allowed, own.relicense_known) == (False, True)
    event = db.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "work.rights_bulk", AuditEvent.entity_id == str(work.id)
        )
    )
    assert event.changes["relicense_known"] == [True, False]

    # Evidence alone leaves "not known" as it is.
    res = client.post(
        BULK, json={"ids": [work.id], "rights_evidence": "Contract 2019-14"}, headers=headers
    )
    assert res.get_json()["done"] == [work.id]
    db.expire_all()
    assert (work.relicense_known, work.rights_evidence) == (False, "Contract 2019-14")
    assert _reasons(client, headers, work) == NOT_KNOWN

    # Once someone finds out, true makes it licensable (it used to stay "not known").
    res = client.post(BULK, json={"ids": [work.id], "relicense_allowed": True}, headers=headers)
    assert res.get_json()["done"] == [work.id]
    db.expire_all()
    assert (work.relicense_allowed, work.relicense_known) == (True, True)
    assert _reasons(client, headers, work) == []


def test_the_api_documents_null_as_not_known(client):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    for name in ("WorkPatch", "WorkIn", "RightsBulkIn"):
        described = schemas[name]["properties"]["relicense_allowed"]["description"]
        assert "null, not known yet" in described and "Left out: unchanged" in described, name


def test_staff_work_form_offers_not_known_and_keeps_it(client, login, db, commission):
    _creator, work = commission
    work.relicense_allowed, work.relicense_known = False, False
    db.flush()
    login("manager")
    page = client.get(f"/licensing/works/{work.id}").get_data(as_text=True)
    assert '<option selected value="unknown">Not known yet</option>' in page
    fields = {
        "kind": work.kind,
        "title": "Renamed",
        "url": work.url,
        "rights": "client",
        "client_name": "Harbour Magazine",
        "relicense_allowed": "unknown",
    }
    saved = post_form(client, f"/licensing/works/{work.id}", fields)
    assert saved.status_code == 302, saved.get_data(as_text=True)
    db.expire_all()
    assert (work.title, work.relicense_known) == ("Renamed", False)
    assert "re-licensing not known yet" in client.get(f"/licensing/works/{work.id}").get_data(True)
    yes = post_form(client, f"/licensing/works/{work.id}", fields | {"relicense_allowed": "yes"})
    assert yes.status_code == 302
    db.expire_all()
    assert (work.relicense_allowed, work.relicense_known) == (True, True)
    bad = post_form(client, f"/licensing/works/{work.id}", fields | {"relicense_allowed": "y"})
    assert bad.status_code == 422 and "Not a valid choice" in bad.get_data(as_text=True)


def test_staff_bulk_form_sets_not_known(client, login, db, commission, make_work):
    creator, work = commission
    login("manager")
    response = post_form(
        client,
        f"/licensing/creators/{creator.id}/works/rights",
        {
            "bulk-kind": work.kind,
            "bulk-rights": "client",
            "bulk-client_name": "Harbour Magazine",
            "bulk-rights_evidence": "Contract being checked",
            "bulk-relicense_allowed": "unknown",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    db.expire_all()
    assert db.get(Work, work.id).relicense_known is False
