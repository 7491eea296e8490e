"""The registry change feed: ordered, resumable, written with each change."""

from __future__ import annotations

from datetime import date

from crm.licensing.models import RegistryChange, Work

PAST = date(2020, 1, 1)


def test_feed_is_ordered_and_resumable(client, api, db, make_creator):
    _u, headers = api("manager")
    creator = make_creator()
    start = client.get("/api/v1/registry/changes?limit=1000", headers=headers).json
    cursor = start["next_cursor"] or ""
    res = client.post(
        "/api/v1/works",
        json={
            "creator_id": creator.id,
            "kind": "image",
            "title": "A",
            "url": "https://a.example/1",
        },
        headers=headers,
    )
    assert res.status_code == 201, res.json
    work_id = res.json["id"]
    res = client.post(
        "/api/v1/consents",
        json={
            "creator_id": creator.id,
            "work_id": work_id,
            "use": "ai_training",
            "decision": "allowed",
            "source": "contract",
            "effective_on": "2024-01-01",
        },
        headers=headers,
    )
    consent_id = res.json["id"]
    client.post(
        f"/api/v1/consents/{consent_id}/revoke", json={"revoked_on": "2025-01-01"}, headers=headers
    )
    first = client.get(f"/api/v1/registry/changes?cursor={cursor}&limit=2", headers=headers).json
    assert [(c["event"], c["work_id"]) for c in first["items"]] == [
        ("work.added", work_id),
        ("consent.changed", work_id),
    ]
    assert first["items"][1]["data"]["change"] == "create"
    rest = client.get(
        f"/api/v1/registry/changes?cursor={first['next_cursor']}", headers=headers
    ).json
    assert [(c["event"], c["data"].get("change")) for c in rest["items"]] == [
        ("consent.changed", "revoke")
    ]
    assert rest["items"][0]["id"] > first["items"][1]["id"]
    again = client.get(f"/api/v1/registry/changes?cursor={rest['next_cursor']}", headers=headers)
    assert again.json["items"] == [] and again.json["next_cursor"] == rest["next_cursor"]
    bad = client.get("/api/v1/registry/changes?cursor=x", headers=headers)
    assert bad.status_code == 422


def test_removed_work_and_rolled_back_changes(db, make_creator, make_work):
    creator = make_creator()
    work = make_work(creator)
    db.flush()
    work_id = work.id
    db.delete(db.get(Work, work_id))
    db.flush()
    events = [c.event for c in db.query(RegistryChange).filter(RegistryChange.work_id == work_id)]
    assert events == ["work.added", "work.removed"]
    savepoint = db.begin_nested()
    make_work(creator, url="https://rolled.example/back")
    db.flush()
    savepoint.rollback()
    assert (
        db.query(RegistryChange)
        .filter(RegistryChange.data["url"].as_string() == "https://rolled.example/back")
        .count()
        == 0
    )
