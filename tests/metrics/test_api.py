"""/api/v1/accounts/{id}/snapshots."""

from __future__ import annotations

from datetime import date, timedelta

from crm.common.timeutil import today_in
from crm.metrics.services import upsert_snapshot


def test_list_snapshots_with_from_to_and_a_cursor(client, db, api, make_account):
    _user, headers = api("viewer")
    account = make_account()
    for day in range(1, 11):
        upsert_snapshot(db, account, date(2026, 3, day), day * 100, None, None, "api")
    url = f"/api/v1/accounts/{account.id}/snapshots"

    body = client.get(f"{url}?from=2026-03-03&to=2026-03-08&limit=4", headers=headers).get_json()
    assert [s["captured_on"] for s in body["items"]] == [
        "2026-03-08",
        "2026-03-07",
        "2026-03-06",
        "2026-03-05",
    ]
    assert body["items"][0]["followers"] == 800 and body["items"][0]["source"] == "api"
    more = client.get(
        f"{url}?from=2026-03-03&to=2026-03-08&limit=4&cursor={body['next_cursor']}", headers=headers
    ).get_json()
    assert [s["captured_on"] for s in more["items"]] == ["2026-03-04", "2026-03-03"]
    assert more["next_cursor"] is None


def test_list_errors(client, api, make_account):
    _user, headers = api("viewer")
    account = make_account()
    url = f"/api/v1/accounts/{account.id}/snapshots"
    assert client.get("/api/v1/accounts/999999/snapshots", headers=headers).status_code == 404
    response = client.get(f"{url}?from=soon", headers=headers)
    assert response.status_code == 422 and "from" in response.get_json()["errors"]
    response = client.get(f"{url}?from=2026-03-09&to=2026-03-01", headers=headers)
    assert response.status_code == 422


def test_post_manual_snapshot_creates_then_updates_the_day(client, db, api, make_account):
    _user, headers = api("manager")
    account = make_account()
    url = f"/api/v1/accounts/{account.id}/snapshots"
    day = today_in("UTC").isoformat()

    first = client.post(
        url, json={"captured_on": day, "followers": 10, "posts": 2}, headers=headers
    )
    assert first.status_code == 201
    assert first.get_json() | {"id": 0, "fetched_at": ""} == {
        "id": 0,
        "account_id": account.id,
        "captured_on": day,
        "followers": 10,
        "views": None,
        "posts": 2,
        "source": "manual",
        "fetched_at": "",
    }
    second = client.post(url, json={"captured_on": day, "followers": 12}, headers=headers)
    assert second.status_code == 200 and second.get_json()["id"] == first.get_json()["id"]
    listed = client.get(url, headers=headers).get_json()["items"]
    assert [(s["followers"], s["posts"]) for s in listed] == [(12, None)]


def test_post_validation(client, api, make_account):
    _user, headers = api("admin")
    account = make_account()
    url = f"/api/v1/accounts/{account.id}/snapshots"
    future = (today_in("UTC") + timedelta(days=3)).isoformat()

    cases = [
        ({"captured_on": "2026-01-01", "followers": -1}, "followers"),
        ({"captured_on": future, "followers": 1}, "captured_on"),
        ({"captured_on": "2026-13-01", "followers": 1}, "captured_on"),
        ({"captured_on": "2026-01-01"}, "followers"),
        ({"captured_on": "2026-01-01", "followers": 1, "source": "api"}, "source"),
        ({"followers": 1}, "captured_on"),
        ({"captured_on": "2026-01-01", "followers": True}, "followers"),
        ({"captured_on": "2026-01-01", "views": "12"}, "views"),
    ]
    for body, field in cases:
        response = client.post(url, json=body, headers=headers)
        assert response.status_code == 422, body
        assert field in response.get_json()["errors"], (body, response.get_json())
    assert client.post(url, data="{nope", headers=headers).status_code == 400
    assert client.get(url, headers=headers).get_json()["items"] == []


def test_viewer_and_legal_may_not_post(client, api, make_account):
    account = make_account()
    for role in ("viewer", "legal"):
        _user, headers = api(role)
        response = client.post(
            f"/api/v1/accounts/{account.id}/snapshots",
            json={"captured_on": "2026-01-01", "followers": 1},
            headers=headers,
        )
        assert response.status_code == 403
