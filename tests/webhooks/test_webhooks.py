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
