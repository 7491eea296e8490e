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


# --- two requests at once, over real HTTP -------------------------------------------------


def test_two_concurrent_posts_with_one_key_create_one_record(app, database_url):
    """A threaded server on loopback, two clients at once: the database arbitrates."""
    import threading

    import requests
    from sqlalchemy import delete
    from sqlalchemy.orm import Session
    from werkzeug.serving import make_server

    from crm.audit.models import AuditEvent
    from crm.auth.models import ApiToken, User
    from crm.auth.services import create_token
    from crm.db import make_engine
    from tests.factories import UserFactory

    engine = make_engine(database_url)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    base = f"http://127.0.0.1:{server.server_port}"
    names = [f"Raced Keyed {n}" for n in range(4)]
    with Session(engine) as s:
        user = UserFactory.build(role="manager")
        s.add(user)
        s.flush()
        _token, raw = create_token(s, user, user, "race")
        s.commit()
        user_id = user.id
    try:
        for n, name in enumerate(names):
            barrier = threading.Barrier(2)
            answers: list = [None, None]

            def post(i, name=name, key=f"race-key-{n}", barrier=barrier, answers=answers):
                headers = {"Authorization": f"Bearer {raw}", HEADER: key}
                barrier.wait(timeout=10)
                try:
                    answers[i] = requests.post(
                        f"{base}/api/v1/creators",
                        json={"display_name": name},
                        headers=headers,
                        timeout=30,
                    )
                except Exception as exc:  # reported below rather than lost in the thread
                    answers[i] = exc

            threads = [threading.Thread(target=post, args=(i,)) for i in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=60)
            statuses = sorted(getattr(a, "status_code", repr(a)) for a in answers)
            # Both answered at once: one creates, the other is told the first is in progress
            # (409); or the first was done already and its response is replayed (201).
            assert statuses in ([201, 201], [201, 409]), statuses
            created = [a for a in answers if a.status_code == 201]
            if len(created) == 2:
                assert {a.headers.get("Idempotent-Replayed") for a in created} == {None, "true"}
                assert created[0].json()["id"] == created[1].json()["id"]
            with Session(engine) as s:
                count = s.scalar(select(func.count()).where(Creator.display_name == name))
            assert count == 1, f"{count} creators named {name!r}"
    finally:
        server.shutdown()
        serving.join(timeout=10)
        with Session(engine) as s:
            s.execute(delete(IdempotencyKey).where(IdempotencyKey.user_id == user_id))
            ids = list(s.scalars(select(Creator.id).where(Creator.display_name.in_(names))))
            s.execute(delete(AuditEvent).where(AuditEvent.actor_id == user_id))
            s.execute(
                delete(AuditEvent).where(
                    AuditEvent.entity == "creator", AuditEvent.entity_id.in_([str(i) for i in ids])
                )
            )
            s.execute(delete(Creator).where(Creator.id.in_(ids)))
            s.execute(delete(ApiToken).where(ApiToken.user_id == user_id))
            s.execute(delete(User).where(User.id == user_id))
            s.commit()
        engine.dispose()
