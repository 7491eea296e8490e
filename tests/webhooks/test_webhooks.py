"""Webhooks: admin-only subscriptions, signed deliveries retried until they succeed once."""

from __future__ import annotations

import json

import pytest
from werkzeug import Response

from crm.webhooks import services
from crm.webhooks.models import WebhookDelivery


@pytest.fixture
def allow_loopback(monkeypatch):
    monkeypatch.setenv("CRM_FETCH_ALLOW_PRIVATE", "1")


def test_only_admins_manage_webhooks(client, api):
    _u, viewer = api("viewer")
    _u, manager = api("manager")
    body = {"url": "https://hooks.example.com/in", "events": ["consent.changed"]}
    assert client.get("/api/v1/webhooks", headers=viewer).status_code == 403
    assert client.post("/api/v1/webhooks", json=body, headers=manager).status_code == 403
    _u, admin = api("admin")
    res = client.post("/api/v1/webhooks", json=body, headers=admin)
    assert res.status_code == 201 and len(res.json["secret"]) == 64
    listed = client.get("/api/v1/webhooks", headers=admin).json["items"]
    assert [h["id"] for h in listed] == [res.json["id"]] and "secret" not in listed[0]
    bad = client.post("/api/v1/webhooks", json={"url": "ftp://x", "events": []}, headers=admin)
    assert bad.status_code == 422
    assert client.delete(f"/api/v1/webhooks/{res.json['id']}", headers=admin).status_code == 204
    assert client.get("/api/v1/webhooks", headers=admin).json["items"] == []


def test_delivery_retries_until_delivered_once_with_a_valid_signature(
    app, client, api, db, httpserver, allow_loopback, runner
):
    calls = []

    def handler(request):
        calls.append((request.headers.get("X-CRM-Signature"), request.get_data(as_text=True)))
        return Response("no", status=500) if len(calls) <= 2 else Response("ok", status=200)

    httpserver.expect_request("/hook", method="POST").respond_with_handler(handler)
    _u, admin = api("admin")
    res = client.post(
        "/api/v1/webhooks",
        json={"url": httpserver.url_for("/hook"), "events": ["consent.changed", "work.added"]},
        headers=admin,
    )
    secret = res.json["secret"]
    creator = client.post("/api/v1/creators", json={"display_name": "Hooked"}, headers=admin)
    res = client.post(
        "/api/v1/consents",
        json={
            "creator_id": creator.json["id"],
            "use": "ai_training",
            "decision": "not_allowed",
            "source": "creator_request",
            "effective_on": "2024-01-01",
        },
        headers=admin,
    )
    assert res.status_code == 201
    for _ in range(4):
        result = runner.invoke(args=["crm", "webhooks", "deliver"])
        assert result.exit_code == 0, result.output
    assert len(calls) == 3
    header, body = calls[-1]
    assert services.verify_signature(secret, header, body)
    assert not services.verify_signature(secret, header, body + " ")
    assert json.loads(body)["event"] == "consent.changed"
    assert json.loads(body)["data"]["consent_id"] == res.json["id"]
    rows = db.query(WebhookDelivery).all()
    assert [(r.status, r.attempts) for r in rows] == [("sent", 3)]


def test_private_addresses_are_refused_without_the_setting(monkeypatch):
    monkeypatch.delenv("CRM_FETCH_ALLOW_PRIVATE", raising=False)
    for url in ("http://127.0.0.1:9/x", "http://10.0.0.1/x", "http://[::1]/x"):
        with pytest.raises(ValueError):
            services.check_destination(url)


def test_signature_format():
    header = services.sign("s3cret", 1700000000, '{"a":1}')
    assert header.startswith("t=1700000000,v1=") and len(header.split("v1=")[1]) == 64


# --- secret rotation, the attempt log, public addresses only -------------------------------


def _hook(client, admin, url, events=("work.added",)):
    res = client.post("/api/v1/webhooks", json={"url": url, "events": list(events)}, headers=admin)
    assert res.status_code == 201
    return res.json


def _add_work(client, admin):
    creator = client.post("/api/v1/creators", json={"display_name": "Hooked"}, headers=admin)
    res = client.post(
        "/api/v1/works",
        json={
            "creator_id": creator.json["id"],
            "kind": "image",
            "title": "Dune",
            "url": f"https://media.example.com/dune-{creator.json['id']}.jpg",
        },
        headers=admin,
    )
    assert res.status_code == 201, res.json


def test_rotation_signs_with_both_secrets_during_the_grace_period_only(
    client, api, db, httpserver, allow_loopback, runner
):
    from datetime import timedelta

    from crm.db import utcnow
    from crm.webhooks.models import Webhook

    calls = []
    httpserver.expect_request("/rot", method="POST").respond_with_handler(
        lambda r: (
            calls.append((r.headers["X-CRM-Signature"], r.get_data(as_text=True))) or Response("ok")
        )
    )
    _u, admin = api("admin")
    hook = _hook(client, admin, httpserver.url_for("/rot"))
    old = hook["secret"]
    res = client.post(
        f"/api/v1/webhooks/{hook['id']}/rotate-secret", json={"grace_hours": 2}, headers=admin
    )
    assert res.status_code == 200
    new = res.json["secret"]
    assert new != old and len(new) == 64 and res.json["previous_secret_until"]
    listed = client.get("/api/v1/webhooks", headers=admin).json["items"][0]
    assert "secret" not in listed and new not in json.dumps(listed)
    assert listed["secret_rotated_at"]
    _add_work(client, admin)
    assert runner.invoke(args=["crm", "webhooks", "deliver"]).exit_code == 0
    header, body = calls[-1]
    assert header.count("v1=") == 2
    assert services.verify_signature(new, header, body)
    assert services.verify_signature(old, header, body)  # receivers still on the old one
    assert not services.verify_signature("0" * 64, header, body)
    # After the grace period only the new secret signs.
    row = db.get(Webhook, hook["id"])
    row.previous_secret_until = utcnow() - timedelta(seconds=1)
    db.commit()
    _add_work(client, admin)
    assert runner.invoke(args=["crm", "webhooks", "deliver"]).exit_code == 0
    header, body = calls[-1]
    assert header.count("v1=") == 1
    assert services.verify_signature(new, header, body)
    assert not services.verify_signature(old, header, body)


def test_rotation_refuses_bad_input_and_other_roles(client, api):
    _u, admin = api("admin")
    hook = _hook(client, admin, "https://hooks.example.com/in")
    url = f"/api/v1/webhooks/{hook['id']}/rotate-secret"
    for body in ({"grace_hours": -1}, {"grace_hours": 10_000}, {"grace_hours": "x"}, [], "x"):
        res = client.post(url, json=body, headers=admin)
        assert res.status_code in (400, 422), (body, res.status_code)
    assert client.post(url, data=b"{", headers=admin).status_code == 400
    missing = client.post("/api/v1/webhooks/999999/rotate-secret", json={}, headers=admin)
    assert missing.status_code == 404
    _u, manager = api("manager")
    assert client.post(url, json={}, headers=manager).status_code == 403
    # No grace: the old secret stops at once.
    res = client.post(url, json={"grace_hours": 0}, headers=admin)
    assert res.status_code == 200 and res.json["previous_secret_until"] is None


def test_every_attempt_is_logged_without_secrets(
    client, api, db, httpserver, allow_loopback, runner
):
    statuses = iter([500, 503, 200])
    httpserver.expect_request("/log", method="POST").respond_with_handler(
        lambda r: Response("x", status=next(statuses))
    )
    _u, admin = api("admin")
    hook = _hook(client, admin, httpserver.url_for("/log") + "?token=abc123")
    _add_work(client, admin)
    for _ in range(3):
        assert runner.invoke(args=["crm", "webhooks", "deliver"]).exit_code == 0
    res = client.get(f"/api/v1/webhooks/{hook['id']}/attempts", headers=admin)
    assert res.status_code == 200
    items = res.json["items"]
    assert [(a["attempt"], a["status_code"]) for a in items] == [(3, 200), (2, 503), (1, 500)]
    assert items[1]["error"] == "HTTP 503" and items[0]["error"] == ""
    assert all(a["duration_ms"] >= 0 and a["event"] == "work.added" for a in items)
    assert hook["secret"] not in res.get_data(as_text=True)
    page = client.get(f"/api/v1/webhooks/{hook['id']}/attempts?limit=1", headers=admin).json
    assert len(page["items"]) == 1 and page["next_cursor"]
    rest = client.get(
        f"/api/v1/webhooks/{hook['id']}/attempts?limit=5&cursor={page['next_cursor']}",
        headers=admin,
    ).json
    assert [a["attempt"] for a in rest["items"]] == [2, 1]
    assert client.get(
        f"/api/v1/webhooks/{hook['id']}/attempts?cursor=%%%", headers=admin
    ).status_code in (400, 422)
    assert client.get("/api/v1/webhooks/999999/attempts", headers=admin).status_code == 404
    _u, legal = api("legal")
    assert client.get(f"/api/v1/webhooks/{hook['id']}/attempts", headers=legal).status_code == 403


def test_a_loopback_receiver_is_refused_when_connecting_and_the_refusal_is_logged(
    client, api, db, httpserver, monkeypatch, runner
):
    monkeypatch.delenv("CRM_FETCH_ALLOW_PRIVATE", raising=False)
    httpserver.expect_request("/in", method="POST").respond_with_data("ok")
    _u, admin = api("admin")
    hook = _hook(client, admin, httpserver.url_for("/in"))
    _add_work(client, admin)
    assert runner.invoke(args=["crm", "webhooks", "deliver"]).exit_code == 0
    assert httpserver.log == []
    attempts = client.get(f"/api/v1/webhooks/{hook['id']}/attempts", headers=admin).json["items"]
    assert attempts[0]["status_code"] is None
    assert "non-public" in attempts[0]["error"]


def test_errors_in_the_log_hide_url_credentials_queries_and_secrets():
    from crm.webhooks.models import Webhook

    hook = Webhook(url="https://u:p@h.example/x?token=t", secret="s" * 64, previous_secret=None)
    exc = ValueError(f"failed https://u:p@h.example/x?token=t with {'s' * 64}")
    text = services.safe_error(hook, exc)
    assert "token=t" not in text and "u:p@" not in text and "s" * 64 not in text
    assert "[query]" in text and "[credentials]" in text and "[secret]" in text


def test_admin_pages_rotate_once_and_show_the_attempt_log(
    client, login, api, db, httpserver, allow_loopback, runner
):
    from tests.conftest import post_form

    httpserver.expect_request("/page", method="POST").respond_with_data("no", status=502)
    _u, admin_headers = api("admin")
    hook = _hook(client, admin_headers, httpserver.url_for("/page"))
    _add_work(client, admin_headers)
    assert runner.invoke(args=["crm", "webhooks", "deliver"]).exit_code == 0
    login("admin")
    listing = client.get("/admin/webhooks/").get_data(as_text=True)
    assert f"Subscription #{hook['id']}" in listing and hook["secret"] not in listing
    page = client.get(f"/admin/webhooks/{hook['id']}").get_data(as_text=True)
    assert "502" in page and "HTTP 502" in page and "work.added" in page
    assert hook["secret"] not in page
    res = post_form(client, f"/admin/webhooks/{hook['id']}", {"grace_hours": "6"})
    assert res.status_code == 200
    shown = res.get_data(as_text=True)
    from crm.webhooks.models import Webhook

    db.expire_all()
    new = db.get(Webhook, hook["id"]).secret
    assert new != hook["secret"] and new in shown and "shown this once" in shown
    again = client.get(f"/admin/webhooks/{hook['id']}").get_data(as_text=True)
    assert new not in again and hook["secret"] not in again
    for bad in ({"grace_hours": "-1"}, {"grace_hours": "x"}, {"grace_hours": "999999"}, {}):
        assert post_form(client, f"/admin/webhooks/{hook['id']}", bad).status_code == 422, bad
    db.expire_all()
    assert db.get(Webhook, hook["id"]).secret == new
    assert client.get("/admin/webhooks/999999").status_code == 404
    assert client.get(f"/admin/webhooks/{hook['id']}?cursor=%%%").status_code in (400, 422)


def test_only_admins_see_the_webhook_pages(client, login, db):
    login("legal")
    assert client.get("/admin/webhooks/").status_code == 403
