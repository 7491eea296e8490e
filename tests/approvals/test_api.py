"""The submissions API (DESIGN section 5)."""

from __future__ import annotations

from tests.approvals.conftest import PLANNED


def _body(world, **extra):
    body = {
        "creator_id": world.creator.id,
        "platform": "youtube",
        "title": "API post",
        "planned_for": PLANNED.isoformat(),
        "body": "#ad Guaranteed results",
        "is_video": True,
        "disclosure_in_video": False,
    }
    body.update(extra)
    return body


def test_create_get_list(client, api, world):
    _user, headers = api("manager")
    response = client.post("/api/v1/submissions", json=_body(world), headers=headers)
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["status"] == "in_review"
    assert [c["code"] for c in created["revisions"][0]["checks"]] == ["banned_claim"]
    sid = created["id"]
    _viewer, vheaders = api("viewer")
    got = client.get(f"/api/v1/submissions/{sid}", headers=vheaders).get_json()
    assert got["revisions"][0]["body"] == "#ad Guaranteed results"
    assert got["decisions"] == []
    listed = client.get("/api/v1/submissions?status=in_review", headers=vheaders).get_json()
    assert [i["id"] for i in listed["items"]] == [sid]
    assert (
        client.get("/api/v1/submissions?status=approved", headers=vheaders).get_json()["items"]
        == []
    )
    assert client.get("/api/v1/submissions?status=nope", headers=vheaders).status_code == 422
    assert (
        client.post("/api/v1/submissions", json=_body(world), headers=vheaders).status_code == 403
    )


def test_create_refuses_unknown_fields_and_bad_values(client, api, world):
    _user, headers = api("manager")
    extra = client.post(
        "/api/v1/submissions", json=_body(world, status="approved"), headers=headers
    )
    assert extra.status_code == 422 and "status" in extra.get_json()["errors"]
    bad = client.post("/api/v1/submissions", json=_body(world, platform="myspace"), headers=headers)
    assert bad.status_code == 422 and "platform" in bad.get_json()["errors"]


def test_decide_revise_stale_and_publish(client, api, world):
    sub = world.submission(body="#ad Nova Pro first look")
    _legal, lheaders = api("legal")
    _manager, mheaders = api("manager")
    url = f"/api/v1/submissions/{sub.id}"

    forbidden = client.post(
        f"{url}/decisions", json={"revision": 1, "decision": "approve"}, headers=mheaders
    )
    assert forbidden.status_code == 403

    rev = client.post(f"{url}/revisions", json={"body": "#ad Nova Pro, take two"}, headers=mheaders)
    assert rev.status_code == 201 and rev.get_json()["latest_revision"] == 2

    stale = client.post(
        f"{url}/decisions", json={"revision": 1, "decision": "approve"}, headers=lheaders
    )
    assert stale.status_code == 409
    assert "no longer under review" in stale.get_json()["detail"]

    no_comment = client.post(
        f"{url}/decisions", json={"revision": 2, "decision": "reject"}, headers=lheaders
    )
    assert no_comment.status_code == 422 and "comment" in no_comment.get_json()["errors"]

    ok = client.post(
        f"{url}/decisions",
        json={"revision": 2, "decision": "approve", "comment": "Fine"},
        headers=lheaders,
    )
    assert ok.status_code == 201
    decision = ok.get_json()["decisions"][0]
    assert (
        decision["revision_number"] == 2
        and decision["content_hash"] == ok.get_json()["revisions"][1]["content_hash"]
    )

    again = client.post(
        f"{url}/decisions",
        json={"revision": 2, "decision": "reject", "comment": "x"},
        headers=lheaders,
    )
    assert again.status_code == 409

    bad_url = client.post(f"{url}/publish", json={"published_url": "ftp://x"}, headers=mheaders)
    assert bad_url.status_code == 422
    done = client.post(
        f"{url}/publish", json={"published_url": "https://youtu.be/abc"}, headers=mheaders
    )
    assert done.status_code == 200 and done.get_json()["status"] == "published"
    twice = client.post(
        f"{url}/publish", json={"published_url": "https://youtu.be/abc"}, headers=mheaders
    )
    assert twice.status_code == 409


def test_publish_refused_during_embargo(client, api, world):
    sub = world.submission("approved", body="#ad Zephyr is coming")
    _manager, headers = api("manager")
    response = client.post(
        f"/api/v1/submissions/{sub.id}/publish",
        json={"published_url": "https://x.com/p/1"},
        headers=headers,
    )
    assert response.status_code == 409 and "Embargo" in response.get_json()["detail"]


def test_unknown_submission_is_404(client, api):
    _user, headers = api("legal")
    assert client.get("/api/v1/submissions/424242", headers=headers).status_code == 404
    response = client.post(
        "/api/v1/submissions/424242/decisions",
        json={"revision": 1, "decision": "approve"},
        headers=headers,
    )
    assert response.status_code == 404
