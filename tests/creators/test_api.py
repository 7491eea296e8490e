"""API: creators, accounts, interactions."""

from __future__ import annotations

import pytest


def test_create_get_patch_archive(client, api, make_user):
    user, headers = api("manager")
    response = client.post(
        "/api/v1/creators",
        json={"display_name": "Maya", "country": "gb", "tags": ["#AI Art"], "email": "M@x.example"},
        headers=headers,
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["country"] == "GB" and body["tags"] == ["ai art"] and body["owner_id"] == user.id
    assert body["accounts"] == [] and body["representatives"] == []
    creator_id = body["id"]
    response = client.patch(
        f"/api/v1/creators/{creator_id}", json={"status": "active"}, headers=headers
    )
    assert response.status_code == 200 and response.get_json()["status"] == "active"
    assert response.get_json()["display_name"] == "Maya"
    got = client.get(f"/api/v1/creators/{creator_id}", headers=headers).get_json()
    assert got["status"] == "active" and got["email"] == "m@x.example"
    response = client.delete(f"/api/v1/creators/{creator_id}", headers=headers)
    assert response.status_code == 200 and response.get_json()["archived"] is True
    listed = client.get("/api/v1/creators?q=maya", headers=headers).get_json()
    assert listed == {"items": [], "next_cursor": None}
    archived = client.get("/api/v1/creators?q=maya&archived=1", headers=headers).get_json()
    assert [c["id"] for c in archived["items"]] == [creator_id]


def test_validation_errors_are_per_field(client, api):
    _user, headers = api("admin")
    response = client.post(
        "/api/v1/creators",
        json={"display_name": "X", "country": "XX", "email": "bad", "status": "famous"},
        headers=headers,
    )
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"country", "email", "status"}
    response = client.post("/api/v1/creators", json={"id": 5, "tags": "x"}, headers=headers)
    assert response.status_code == 422
    assert {"id", "display_name", "tags"} <= set(response.get_json()["errors"])


def test_a_manager_cannot_set_owner_id(client, api, make_user, make_creator):
    user, headers = api("manager")
    other = make_user("manager")
    response = client.post(
        "/api/v1/creators", json={"display_name": "X", "owner_id": other.id}, headers=headers
    )
    assert response.status_code == 422 and "owner_id" in response.get_json()["errors"]
    creator = make_creator(display_name="Y", owner=user)
    response = client.patch(
        f"/api/v1/creators/{creator.id}", json={"owner_id": other.id}, headers=headers
    )
    assert response.status_code == 422
    _admin, admin_headers = api("admin")
    response = client.patch(
        f"/api/v1/creators/{creator.id}", json={"owner_id": other.id}, headers=admin_headers
    )
    assert response.status_code == 200 and response.get_json()["owner_id"] == other.id


def test_list_filters_and_pagination(client, api, make_creator):
    _user, headers = api("viewer")
    for n in range(7):
        make_creator(
            display_name=f"Creator {n}",
            status="active" if n % 2 else "paused",
            accounts=[("tiktok" if n % 3 == 0 else "youtube", f"h{n}")],
            tags=["even"] if n % 2 == 0 else [],
        )
    seen, url = [], "/api/v1/creators?status=paused&limit=2"
    while url:
        body = client.get(url, headers=headers).get_json()
        seen.extend(c["display_name"] for c in body["items"])
        cursor = body["next_cursor"]
        url = f"/api/v1/creators?status=paused&limit=2&cursor={cursor}" if cursor else None
    assert seen == ["Creator 0", "Creator 2", "Creator 4", "Creator 6"]
    body = client.get("/api/v1/creators?platform=tiktok&tag=even", headers=headers).get_json()
    assert [c["display_name"] for c in body["items"]] == ["Creator 0", "Creator 6"]
    response = client.get("/api/v1/creators?status=famous&cursor=zzz", headers=headers)
    assert response.status_code == 422


def test_accounts_and_clash_names_the_holder(client, api, make_creator):
    _user, headers = api("manager")
    holder = make_creator(display_name="Maya Chen", accounts=[("youtube", "maya")])
    creator = make_creator(display_name="Other")
    response = client.post(
        f"/api/v1/creators/{creator.id}/accounts",
        json={"platform": "youtube", "handle": "@MAYA"},
        headers=headers,
    )
    assert response.status_code == 409
    assert "Maya Chen" in response.get_json()["detail"]
    response = client.post(
        f"/api/v1/creators/{creator.id}/accounts",
        json={"platform": "x", "handle": "@Other_X"},
        headers=headers,
    )
    assert response.status_code == 201
    account = response.get_json()
    assert account["url"] == "https://x.com/Other_X" and account["handle"] == "Other_X"
    response = client.patch(
        f"/api/v1/accounts/{account['id']}",
        json={"platform": "youtube", "handle": "maya"},
        headers=headers,
    )
    assert response.status_code == 409 and "Maya Chen" in response.get_json()["detail"]
    response = client.patch(
        f"/api/v1/accounts/{account['id']}", json={"handle": "renamed"}, headers=headers
    )
    assert response.status_code == 200 and response.get_json()["url"] == "https://x.com/renamed"
    listed = client.get(f"/api/v1/creators/{creator.id}/accounts", headers=headers).get_json()
    assert [a["handle"] for a in listed["items"]] == ["renamed"]
    assert client.get(f"/api/v1/accounts/{account['id']}", headers=headers).status_code == 200
    assert client.delete(f"/api/v1/accounts/{account['id']}", headers=headers).status_code == 204
    assert client.get(f"/api/v1/accounts/{account['id']}", headers=headers).status_code == 404
    response = client.post(
        f"/api/v1/creators/{holder.id}/accounts",
        json={"platform": "myspace", "handle": "a b"},
        headers=headers,
    )
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"platform", "handle"}


def test_interactions(client, api, make_creator):
    user, headers = api("manager")
    creator = make_creator(display_name="C")
    url = f"/api/v1/creators/{creator.id}/interactions"
    for when in ("2026-03-01T10:00:00+00:00", "2026-03-05T10:00:00+02:00"):
        response = client.post(
            url, json={"kind": "call", "occurred_at": when, "summary": "Hi"}, headers=headers
        )
        assert response.status_code == 201
        assert response.get_json()["user_id"] == user.id
    items = client.get(url, headers=headers).get_json()["items"]
    assert [i["occurred_at"] for i in items] == [
        "2026-03-05T08:00:00+00:00",
        "2026-03-01T10:00:00+00:00",
    ]
    got = client.get(f"/api/v1/creators/{creator.id}", headers=headers).get_json()
    assert got["last_interaction_at"] == "2026-03-05T08:00:00+00:00"
    response = client.post(
        url,
        json={"kind": "fax", "occurred_at": "2026-03-01T10:00:00", "summary": "x"},
        headers=headers,
    )
    assert response.status_code == 422
    assert {"kind", "occurred_at"} <= set(response.get_json()["errors"])


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/creators/999999"),
        ("patch", "/api/v1/creators/999999"),
        ("delete", "/api/v1/creators/999999"),
        ("get", "/api/v1/creators/999999/accounts"),
        ("post", "/api/v1/creators/999999/accounts"),
        ("get", "/api/v1/accounts/999999"),
        ("patch", "/api/v1/accounts/999999"),
        ("delete", "/api/v1/accounts/999999"),
        ("get", "/api/v1/creators/999999/interactions"),
        ("post", "/api/v1/creators/999999/interactions"),
    ],
)
def test_unknown_ids_are_404(client, api, method, path):
    _user, headers = api("admin")
    response = client.open(path, method=method.upper(), json={}, headers=headers)
    assert response.status_code == 404
    assert response.content_type.startswith("application/problem+json")


@pytest.mark.parametrize("role", ["viewer", "legal"])
def test_read_only_roles_get_403_on_writes(client, api, make_creator, role):
    _user, headers = api(role)
    creator = make_creator(display_name="C", accounts=[("x", "c")])
    account_id = client.get(f"/api/v1/creators/{creator.id}/accounts", headers=headers).get_json()[
        "items"
    ][0]["id"]
    assert client.get(f"/api/v1/creators/{creator.id}", headers=headers).status_code == 200
    writes = [
        ("POST", "/api/v1/creators", {"display_name": "X"}),
        ("PATCH", f"/api/v1/creators/{creator.id}", {"status": "active"}),
        ("DELETE", f"/api/v1/creators/{creator.id}", None),
        ("POST", f"/api/v1/creators/{creator.id}/accounts", {"platform": "x", "handle": "z"}),
        ("PATCH", f"/api/v1/accounts/{account_id}", {"handle": "z"}),
        ("DELETE", f"/api/v1/accounts/{account_id}", None),
        ("POST", f"/api/v1/creators/{creator.id}/interactions", {"kind": "call"}),
    ]
    for method, path, body in writes:
        response = client.open(path, method=method, json=body, headers=headers)
        assert response.status_code == 403, (method, path)
