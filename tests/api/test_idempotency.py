"""API POSTs that create accept an Idempotency-Key."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from crm.api.idempotency import HEADER, IdempotencyKey
from crm.api.openapi import api_rules, build_spec, openapi_path
from crm.creators.models import Creator
from crm.db import utcnow


def _count(db, name: str) -> int:
    return db.scalar(select(func.count()).where(Creator.display_name == name))


def test_the_same_key_and_body_replays_the_first_response(client, api, db):
    _user, headers = api("manager")
    headers = {**headers, HEADER: "create-once-1"}
    first = client.post("/api/v1/creators", json={"display_name": "Keyed"}, headers=headers)
    assert first.status_code == 201
    again = client.post("/api/v1/creators", json={"display_name": "Keyed"}, headers=headers)
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert "Idempotent-Replayed" not in first.headers
    assert _count(db, "Keyed") == 1


def test_the_same_key_with_another_body_is_422(client, api, db):
    _user, headers = api("manager")
    headers = {**headers, HEADER: "create-once-2"}
    assert (
        client.post("/api/v1/creators", json={"display_name": "A"}, headers=headers).status_code
        == 201
    )
    other = client.post("/api/v1/creators", json={"display_name": "B"}, headers=headers)
    assert other.status_code == 422
    assert other.mimetype == "application/problem+json"
    assert HEADER in other.get_json()["errors"]
    assert _count(db, "B") == 0


def test_keys_belong_to_their_user(client, api, db):
    _a, first = api("manager")
    _b, second = api("manager")
    body = {"display_name": "Shared Key"}
    for headers in (first, second):
        response = client.post("/api/v1/creators", json=body, headers={**headers, HEADER: "k"})
        assert response.status_code == 201
        assert "Idempotent-Replayed" not in response.headers
    assert _count(db, "Shared Key") == 2


def test_a_key_still_in_progress_is_409(client, api, db):
    """Two requests at once: the one that reserved the key first wins, the other is told so."""
    user, headers = api("manager")
    from crm.api import idempotency

    body = b'{"display_name": "Racing"}'
    with client.application.test_request_context("/api/v1/creators", method="POST", data=body):
        fingerprint = idempotency._fingerprint()
    db.add(IdempotencyKey(user_id=user.id, key="racing", fingerprint=fingerprint))
    db.flush()
    response = client.post(
        "/api/v1/creators",
        data=body,
        headers={**headers, HEADER: "racing", "Content-Type": "application/json"},
    )
    assert response.status_code == 409
    assert _count(db, "Racing") == 0


def test_a_failed_request_releases_its_key_and_old_keys_expire(client, api, db):
    _user, headers = api("manager")
    headers = {**headers, HEADER: "retry-me"}
    bad = client.post("/api/v1/creators", json={"display_name": ""}, headers=headers)
    assert bad.status_code == 422
    good = client.post("/api/v1/creators", json={"display_name": "Retried"}, headers=headers)
    assert good.status_code == 201
    row = db.scalar(select(IdempotencyKey).where(IdempotencyKey.key == "retry-me"))
    row.created_at = utcnow() - timedelta(hours=25)
    db.flush()
    later = client.post("/api/v1/creators", json={"display_name": "Retried"}, headers=headers)
    assert later.status_code == 201 and "Idempotent-Replayed" not in later.headers
    assert _count(db, "Retried") == 2


def test_a_malformed_key_is_422(client, api):
    _user, headers = api("manager")
    response = client.post(
        "/api/v1/creators", json={"display_name": "X"}, headers={**headers, HEADER: "x" * 201}
    )
    assert response.status_code == 422


def test_every_creating_post_documents_the_header(app):
    spec = build_spec(app)
    creating = 0
    for rule in api_rules(app):
        view = app.view_functions[rule.endpoint]
        route_doc = getattr(view, "crm_openapi", None)
        if "POST" not in (rule.methods or ()) or route_doc is None:
            continue
        op = spec["paths"][openapi_path(rule.rule)]["post"]
        names = [p["name"] for p in op.get("parameters", []) if p["in"] == "header"]
        if route_doc.status == 201:
            creating += 1
            assert names == [HEADER], rule.rule
        else:
            assert HEADER not in names, rule.rule
    assert creating > 5


def test_the_daily_purge_forgets_old_keys_and_nonces(db, make_user):
    from crm.api import idempotency
    from crm.web import nonces

    user = make_user("manager")
    old = utcnow() - timedelta(days=40)
    db.add(IdempotencyKey(user_id=user.id, key="old", fingerprint="f", created_at=old))
    db.add(IdempotencyKey(user_id=user.id, key="new", fingerprint="f"))
    db.add(nonces.FormNonce(nonce="old-nonce-0123456789", user_id=user.id, created_at=old))
    db.flush()
    assert idempotency.purge(db) == 1
    assert nonces.purge(db) == 1
    assert db.scalar(select(IdempotencyKey.key).where(IdempotencyKey.user_id == user.id)) == "new"
