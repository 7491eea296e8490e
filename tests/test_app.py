"""The app shell: health, configuration safety, headers, error pages."""

from __future__ import annotations

import pytest

from crm import create_app


def test_healthz_reports_database_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_is_503_when_database_is_unreachable(app_config):
    broken = create_app(
        {**app_config, "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none?connect_timeout=1"}
    )
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


@pytest.mark.parametrize("key", ["", "dev", "change-me", "short-key"])
def test_production_refuses_to_start_without_a_real_secret_key(key):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"ENV_NAME": "production", "SECRET_KEY": key, "DATABASE_URL": "sqlite://"})


def test_production_starts_with_a_real_secret_key_and_secure_cookies():
    app = create_app(
        {"ENV_NAME": "production", "SECRET_KEY": "x" * 48, "DATABASE_URL": "sqlite://"}
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_NAME"].startswith("__Host-")
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert not app.debug


def test_security_headers_on_every_response(client, login):
    login("manager")
    for path in ("/login", "/", "/healthz", "/api/v1/openapi.json", "/no-such-page"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert "charset=utf-8" in headers["Content-Type"]


def test_authenticated_pages_are_not_cached(client, login):
    login("viewer")
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "Cookie" in response.headers["Vary"]


def test_hsts_only_in_production(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    app = create_app(
        {"ENV_NAME": "production", "SECRET_KEY": "y" * 48, "DATABASE_URL": "sqlite://"}
    )
    response = app.test_client().get("/healthz", base_url="https://localhost")
    assert "max-age=" in response.headers["Strict-Transport-Security"]


def test_unknown_page_is_a_plain_404(client, login):
    login("manager")
    response = client.get("/nowhere")
    assert response.status_code == 404
    assert "Not Found" in response.get_data(as_text=True)


def test_unexpected_error_shows_an_error_id_and_no_traceback(app_config, caplog):
    from crm.common.permissions import public

    app = create_app(app_config)

    @public
    def explode():
        raise ZeroDivisionError("secret internals")

    app.add_url_rule("/explode", "explode", explode)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/explode")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "error id" in body
    assert "ZeroDivisionError" not in body and "secret internals" not in body
    assert "Traceback" not in body


def test_static_bootstrap_is_served_locally(client):
    with client.get("/static/vendor/bootstrap/bootstrap.min.css") as response:
        assert response.status_code == 200
        assert b"Bootstrap" in response.data[:200]
