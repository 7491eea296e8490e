"""The API base: bearer tokens, problem documents, cursor pagination, OpenAPI."""

from __future__ import annotations

import pytest

from crm import create_app
from crm.api.openapi import api_rules, openapi_path, undocumented_routes
from crm.common.errors import Conflict, Invalid
from crm.common.permissions import public


def test_me_with_a_valid_token(client, api):
    user, headers = api("legal")
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 200
    assert response.get_json()["email"] == user.email
    assert response.get_json()["role"] == "legal"


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer crm_nope", "Basic abc", "Bearer x"])
def test_missing_or_bad_token_is_401_problem(client, header):
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert response.content_type.startswith("application/problem+json")
    body = response.get_json()
    assert body["status"] == 401 and body["title"] and body["type"] and body["detail"]


def test_revoked_token_is_401_at_once(client, api, db):
    from crm.auth.models import ApiToken
    from crm.auth.services import revoke_token

    user, headers = api("manager")
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    token = db.query(ApiToken).filter_by(user_id=user.id).one()
    revoke_token(db, user, token)
    db.flush()
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_session_cookie_does_not_authenticate_the_api(client, login):
    login("admin")
    assert client.get("/api/v1/me").status_code == 401


def test_role_not_allowed_is_403_problem(client, api):
    _user, headers = api("viewer")
    response = client.get("/api/v1/audit", headers=headers)
    assert response.status_code == 403
    assert response.get_json()["status"] == 403


def test_unknown_path_is_404_problem(client, api):
    _user, headers = api("viewer")
    response = client.get("/api/v1/nothing-here", headers=headers)
    assert response.status_code == 404
    assert response.content_type.startswith("application/problem+json")


def test_wrong_method_is_405_problem(client, api):
    _user, headers = api("viewer")
    response = client.delete("/api/v1/me", headers=headers)
    assert response.status_code == 405
    assert response.get_json()["status"] == 405
    assert "GET" in response.headers["Allow"]


def test_invalid_query_is_422_with_field_errors(client, api):
    _user, headers = api("admin")
    response = client.get("/api/v1/audit?since=yesterday&limit=5000", headers=headers)
    assert response.status_code == 422
    assert "since" in response.get_json()["errors"]


def test_audit_list_paginates_with_a_cursor(client, api, db):
    from crm.audit.services import SYSTEM, record

    _user, headers = api("admin")
    for n in range(5):
        record(db, SYSTEM, "test.event", "thing", n)
    db.flush()
    seen = []
    url = "/api/v1/audit?entity=thing&limit=2"
    while url:
        body = client.get(url, headers=headers).get_json()
        seen.extend(item["entity_id"] for item in body["items"])
        url = (
            f"/api/v1/audit?entity=thing&limit=2&cursor={body['next_cursor']}"
            if body["next_cursor"]
            else None
        )
    assert sorted(seen) == ["0", "1", "2", "3", "4"]
    assert len(seen) == 5


@pytest.fixture
def probe_app(app_config):
    """An app with extra API routes that raise each kind of error."""
    application = create_app(app_config)

    def add(path, func, methods=("GET",)):
        func.__name__ = path.strip("/").replace("/", "_")
        application.add_url_rule(
            f"/api/v1/_probe/{path}",
            f"api.probe_{func.__name__}",
            public(func),
            methods=list(methods),
        )

    def conflict():
        raise Conflict("The revision is no longer the latest.")

    def invalid():
        raise Invalid({"fee": ["must be above zero"]})

    def crash():
        raise RuntimeError("database password is hunter2")

    def body():
        from flask import request

        from crm.api.base import ApiModel, parse_body

        class Body(ApiModel):
            name: str

        parse_body(Body)
        return {"ok": True, "size": len(request.get_data())}

    add("conflict", conflict)
    add("invalid", invalid)
    add("crash", crash)
    add("body", body, methods=("POST",))
    application.config["PROPAGATE_EXCEPTIONS"] = False
    return application


def test_each_problem_status(probe_app):
    client = probe_app.test_client()
    cases = {
        "/api/v1/_probe/conflict": 409,
        "/api/v1/_probe/invalid": 422,
        "/api/v1/_probe/crash": 500,
    }
    for url, status in cases.items():
        response = client.get(url)
        assert response.status_code == status
        assert response.content_type.startswith("application/problem+json")
        assert response.get_json()["status"] == status
    crash = client.get("/api/v1/_probe/crash").get_json()
    assert "hunter2" not in crash["detail"] and "RuntimeError" not in crash["detail"]
    assert crash["error_id"]
    assert client.get("/api/v1/_probe/invalid").get_json()["errors"] == {
        "fee": ["must be above zero"]
    }


def test_malformed_json_is_400_and_unknown_fields_422(probe_app):
    client = probe_app.test_client()
    bad = client.post("/api/v1/_probe/body", data="{not json", content_type="application/json")
    assert bad.status_code == 400
    extra = client.post("/api/v1/_probe/body", json={"name": "x", "role": "admin"})
    assert extra.status_code == 422
    assert "role" in extra.get_json()["errors"]
    assert client.post("/api/v1/_probe/body", json={"name": "x"}).status_code == 200


def test_too_large_body_is_413_problem(probe_app):
    probe_app.config["MAX_CONTENT_LENGTH"] = 1024
    client = probe_app.test_client()
    response = client.post("/api/v1/_probe/body", data="x" * 4096, content_type="application/json")
    assert response.status_code == 413
    assert response.content_type.startswith("application/problem+json")


def test_throttled_login_problem_has_retry_after(client, make_user, app):
    from tests.conftest import log_in

    user = make_user("manager")
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        log_in(client, user, password="wrong password here")
    response = log_in(client, user)
    assert response.status_code == 429 and response.headers["Retry-After"]


def test_openapi_document_describes_exactly_the_api_routes(client, app):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"].startswith("3.1")
    assert undocumented_routes(app) == []
    routes = {}
    for rule in api_rules(app):
        routes.setdefault(openapi_path(rule.rule), set()).update(
            m.lower() for m in rule.methods - {"HEAD", "OPTIONS"}
        )
    described = {path: set(ops) for path, ops in spec["paths"].items()}
    assert described == routes
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            assert op["responses"], (path, method)
            if "security" in op:
                assert "401" in op["responses"]


def test_each_app_builds_its_own_api_blueprint_with_every_route_once(app, app_config):
    """Routes come from the registry of the app being built, not from a blueprint shared by
    every app in the process: a second app has the same API routes, each once."""
    from crm.db import get_db

    def api_routes(application):
        return [
            (rule.rule, rule.endpoint, tuple(sorted(rule.methods)))
            for rule in application.url_map.iter_rules()
            if rule.endpoint.startswith("api.")
        ]

    other = create_app(app_config)
    try:
        assert other.blueprints["api"] is not app.blueprints["api"]
        assert api_routes(other) == api_routes(app)
        assert len(api_routes(other)) == len(set(api_routes(other)))
        assert ("/api/v1/me", "api.me", ("GET", "HEAD", "OPTIONS")) in api_routes(other)
        assert len(other.blueprints["api"].deferred_functions) == len(api_routes(other))
    finally:
        get_db(other).engine.dispose()
