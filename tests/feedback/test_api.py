"""/api/v1/feedback: create, validation, filters, read, PATCH through triage, roles."""

from __future__ import annotations

from sqlalchemy import select

from crm.feedback.models import Feedback


def _body(creator, product, **kwargs):
    body = {
        "creator_id": creator.id,
        "product_id": product.id,
        "category": "accessibility",
        "severity": "high",
        "title": "Voice input for prompts",
        "body": "Typing is hard. <script>alert(1)</script>",
        "reproduction": "Dictate a prompt",
    }
    body.update(kwargs)
    return body


def test_create_answers_201_with_the_note_and_similar_open_notes(
    client, api, creator, product, make_note
):
    earlier = make_note(title="Voice typing for captions")
    user, headers = api("manager")
    response = client.post("/api/v1/feedback", json=_body(creator, product), headers=headers)
    assert response.status_code == 201
    data = response.get_json()
    assert data["status"] == "new" and data["created_by"] == user.id
    assert data["category"] == "accessibility" and data["duplicate_of"] is None
    assert "<script" not in data["body_html"] and "Typing is hard." in data["body_html"]
    assert [s["id"] for s in data["similar"]] == [earlier.id]
    assert response.headers["Location"].endswith(f"/api/v1/feedback/{data['id']}")


def test_create_validation_errors(client, api, db, creator, product):
    _user, headers = api("manager")
    bad = client.post(
        "/api/v1/feedback", json=_body(creator, product, severity="urgent"), headers=headers
    )
    assert bad.status_code == 422
    assert "severity" in bad.get_json()["errors"]
    unknown = client.post(
        "/api/v1/feedback", json=_body(creator, product, product_id=987654), headers=headers
    )
    assert unknown.status_code == 422
    assert unknown.get_json()["errors"] == {"product_id": ["is not a known product"]}
    extra = client.post(
        "/api/v1/feedback", json=_body(creator, product, status="resolved"), headers=headers
    )
    assert extra.status_code == 422 and "status" in extra.get_json()["errors"]
    assert db.scalar(select(Feedback)) is None


def test_viewer_and_legal_read_but_cannot_write(client, api, creator, product, make_note):
    note = make_note()
    for role in ("viewer", "legal"):
        _user, headers = api(role)
        assert client.get("/api/v1/feedback", headers=headers).status_code == 200
        assert client.get(f"/api/v1/feedback/{note.id}", headers=headers).status_code == 200
        post = client.post("/api/v1/feedback", json=_body(creator, product), headers=headers)
        assert post.status_code == 403
        patch = client.patch(
            f"/api/v1/feedback/{note.id}", json={"status": "triaged"}, headers=headers
        )
        assert patch.status_code == 403


def test_list_filters(client, api, make_note, make_product):
    bug = make_note(category="bug", severity="critical")
    make_note(category="praise", severity="low", status="resolved")
    elsewhere = make_note(product_id=make_product().id)
    _user, headers = api("viewer")

    def ids(query):
        response = client.get(f"/api/v1/feedback?{query}", headers=headers)
        assert response.status_code == 200, response.get_json()
        return [item["id"] for item in response.get_json()["items"]]

    assert ids("category=bug") == [bug.id]
    assert ids("severity=critical") == [bug.id]
    assert len(ids("status=new")) == 2
    assert ids(f"product_id={elsewhere.product_id}") == [elsewhere.id]
    assert client.get("/api/v1/feedback?severity=urgent", headers=headers).status_code == 422


def test_list_paginates(client, api, make_note):
    for _ in range(5):
        make_note()
    _user, headers = api("viewer")
    first = client.get("/api/v1/feedback?limit=3", headers=headers).get_json()
    assert len(first["items"]) == 3 and first["next_cursor"]
    second = client.get(
        f"/api/v1/feedback?limit=3&cursor={first['next_cursor']}", headers=headers
    ).get_json()
    assert len(second["items"]) == 2 and second["next_cursor"] is None


def test_patch_moves_status_along_the_triage_table(client, api, make_note):
    note = make_note()
    _user, headers = api("manager")
    url = f"/api/v1/feedback/{note.id}"
    no_team = client.patch(url, json={"status": "forwarded"}, headers=headers)
    assert no_team.status_code == 422 and "forwarded_to" in no_team.get_json()["errors"]
    ok = client.patch(url, json={"status": "forwarded", "forwarded_to": "Voice"}, headers=headers)
    assert ok.status_code == 200
    assert ok.get_json()["status"] == "forwarded" and ok.get_json()["forwarded_to"] == "Voice"
    assert client.patch(url, json={"status": "resolved"}, headers=headers).status_code == 200
    refused = client.patch(url, json={"status": "wont_fix"}, headers=headers)
    assert refused.status_code == 409
    assert "cannot move to won't fix" in refused.get_json()["detail"]
    assert client.get(url, headers=headers).get_json()["status"] == "resolved"


def test_patch_edits_fields_and_refuses_what_cannot_be_set(client, api, make_note):
    note = make_note()
    _user, headers = api("manager")
    url = f"/api/v1/feedback/{note.id}"
    response = client.patch(url, json={"severity": "critical", "title": "Sharper"}, headers=headers)
    assert response.status_code == 200
    assert response.get_json()["severity"] == "critical"
    assert client.patch(url, json={"creator_id": 1}, headers=headers).status_code == 422
    assert client.patch(url, json={"id": 5}, headers=headers).status_code == 422
    assert client.patch(url, json={"title": None}, headers=headers).status_code == 422
    assert client.patch(url, json={"duplicate_of": note.id}, headers=headers).status_code == 422
    assert client.get("/api/v1/feedback/987654", headers=headers).status_code == 404


def test_feedback_routes_are_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert set(spec["paths"]["/api/v1/feedback"]) >= {"get", "post"}
    assert set(spec["paths"]["/api/v1/feedback/{feedback_id}"]) >= {"get", "patch"}
