"""SECURITY.md, one test per item. Items 12, 13, 17, 22, 23, 28 and 29 need domain records
and live in test_checklist_domains.py."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import select

from crm import create_app
from crm.audit.models import AuditEvent
from crm.auth.models import ApiToken, User
from crm.auth.services import create_token, revoke_token
from crm.common.timeutil import utcnow
from tests.conftest import CSRF_RE, csrf_token, log_in, post_form

PROD = {"ENV_NAME": "production", "SECRET_KEY": "k" * 48, "DATABASE_URL": "sqlite://"}


def _set_cookie_header(response, name):
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith(name + "="):
            return header
    raise AssertionError(f"no {name} cookie set")


def test_01_session_cookie_flags_in_production(app_config):
    app = create_app({**app_config, **PROD, "DATABASE_URL": app_config["DATABASE_URL"]})
    client = app.test_client()
    response = client.get("/login", base_url="https://crm.example")
    header = _set_cookie_header(response, "__Host-crm_session")
    lowered = header.lower()
    assert "secure" in lowered and "httponly" in lowered and "samesite=lax" in lowered
    assert "path=/" in lowered and "domain=" not in lowered


def test_02_remember_me_is_off(client, make_user):
    response = log_in(client, make_user("manager"))
    assert not any(h.startswith("remember_token") for h in response.headers.getlist("Set-Cookie"))


def test_03_no_session_fixation(client, make_user):
    with client.session_transaction() as planted:
        planted["sid"] = "attacker-chosen"
        planted["extra"] = "planted"
    log_in(client, make_user("manager"))
    with client.session_transaction() as session:
        assert session["sid"] != "attacker-chosen" and "extra" not in session


def test_04_cookie_replayed_after_logout_is_refused(client, make_user):
    log_in(client, make_user("manager"))
    stolen = client.get_cookie("crm_session").value
    post_form(client, "/logout")
    client.set_cookie("crm_session", stolen)
    assert client.get("/").status_code == 302


def test_05_idle_and_absolute_timeouts(client, make_user, app):
    assert app.config["SESSION_IDLE_MINUTES"] == 30
    assert app.config["SESSION_ABSOLUTE_HOURS"] == 12
    user = make_user("manager")
    with time_machine.travel(utcnow(), tick=False) as clock:
        log_in(client, user)
        clock.shift(timedelta(minutes=29))
        assert client.get("/").status_code == 200
        clock.shift(timedelta(minutes=31))
        assert client.get("/").status_code == 302
        log_in(client, user)
        for _ in range(12 * 4 + 1):
            clock.shift(timedelta(minutes=15))
            client.get("/")
        assert client.get("/").status_code == 302


def test_06_password_change_needs_current_and_ends_other_sessions_and_tokens(app, db, make_user):
    user = make_user("manager")
    _token, raw = create_token(db, user, user, "old")
    db.flush()
    here, there = app.test_client(), app.test_client()
    log_in(here, user)
    log_in(there, user)
    refused = post_form(
        here,
        "/profile/password",
        {"current_password": "nope", "new_password": "another long passphrase"},
    )
    assert refused.status_code == 422
    post_form(
        here,
        "/profile/password",
        {
            "current_password": "correct horse battery staple",
            "new_password": "another long passphrase",
        },
    )
    assert there.get("/").status_code == 302
    assert here.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 401


def test_07_passwords_hashed_with_scrypt(db):
    from crm.auth.services import hash_password

    assert hash_password("a long enough passphrase").startswith("scrypt:")


@pytest.mark.parametrize(
    "password,ok",
    [
        ("x" * 11, False),
        ("twelve chars", True),
        (("abcd efgh " * 13)[:128], True),
        ("y" * 129, False),
        ("qwerty123456", False),
        ("all lower no digits", True),
    ],
)
def test_08_password_length_and_common_list(password, ok):
    from crm.auth.services import password_problems

    assert (password_problems(password) == []) is ok


def test_09_login_throttled_per_account_and_address_in_database(client, make_user, app, db):
    from crm.auth.models import LoginAttempt

    user = make_user("manager")
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        log_in(client, user, password="wrong wrong wrong")
    response = log_in(client, user)
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
    assert db.scalar(select(LoginAttempt).where(LoginAttempt.email == user.email)) is not None


def test_10_unknown_user_and_wrong_password_look_the_same(client, make_user):
    user = make_user("manager")

    def attempt(email):
        token = CSRF_RE.search(client.get("/login").get_data(as_text=True)).group(1)
        started = time.perf_counter()
        response = client.post(
            "/login", data={"email": email, "password": "wrong wrong wrong", "csrf_token": token}
        )
        return response, time.perf_counter() - started

    known, t_known = attempt(user.email)
    unknown, t_unknown = attempt("nobody-here@example.test")
    assert known.status_code == unknown.status_code == 401
    strip = CSRF_RE.sub("", known.get_data(as_text=True))
    assert strip.replace(user.email, "") == CSRF_RE.sub("", unknown.get_data(as_text=True)).replace(
        "nobody-here@example.test", ""
    )
    assert max(t_known, t_unknown) < 5 * min(t_known, t_unknown) + 0.05


def test_11_deny_by_default_for_anonymous_requests(client, app):
    """Every GET outside the public allowlist: login redirect (HTML) or 401 (API).
    (tests/test_route_walk.py walks every method as every role too.)"""
    from crm.common.permissions import PUBLIC, access_of

    checked = 0
    for rule in app.url_map.iter_rules():
        view = app.view_functions.get(rule.endpoint)
        if rule.endpoint == "static" or "GET" not in rule.methods or access_of(view) == PUBLIC:
            continue
        url = rule.rule
        for name in rule.arguments:
            url = url.replace(f"<int:{name}>", "1").replace(f"<{name}>", "x")
        url = re.sub(r"<[^>]+>", "1", url)
        response = client.get(url)
        if url.startswith("/api/"):
            assert response.status_code == 401, url
        else:
            assert response.status_code == 302 and "/login" in response.headers["Location"], url
        checked += 1
    assert checked > 50


def test_14_state_changing_routes_need_csrf(client, make_user):
    log_in(client, make_user("admin"))
    assert client.post("/profile/tokens", data={"name": "x"}).status_code == 400


def test_15_next_to_another_site_is_ignored(client, make_user):
    user = make_user("manager")
    token = csrf_token(client)
    response = client.post(
        "/login?next=https://elsewhere.example/steal",
        data={"email": user.email, "password": "correct horse battery staple", "csrf_token": token},
    )
    assert response.headers["Location"] == "/"


def test_16_role_cannot_be_mass_assigned_through_the_profile(client, login, db):
    user = login("viewer")
    post_form(
        client,
        "/profile",
        {"name": "Me", "timezone": "UTC", "role": "admin", "id": "1", "email": "root@example.test"},
    )
    db.refresh(user)
    assert user.role == "viewer" and user.email != "root@example.test"


def test_18_security_headers(client):
    headers = client.get("/login").headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"]
    prod = create_app(PROD).test_client().get("/healthz", base_url="https://crm.example")
    assert prod.headers["Strict-Transport-Security"].startswith("max-age=")


def test_19_text_responses_declare_charset(client, api):
    _user, headers = api("viewer")
    for response in (
        client.get("/login"),
        client.get("/api/v1/me", headers=headers),
        client.get("/api/v1/me"),
    ):
        assert "charset=utf-8" in response.headers["Content-Type"]


def test_20_no_store_and_vary_cookie_on_authenticated_pages(client, login):
    login("manager")
    response = client.get("/profile")
    assert response.headers["Cache-Control"] == "no-store"
    assert "Cookie" in response.headers["Vary"]


def test_21_production_has_no_debug_and_500_has_an_error_id():
    app = create_app(PROD)
    assert app.debug is False

    def boom():
        raise RuntimeError("internal detail")

    from crm.common.permissions import public

    app.add_url_rule("/boom", "boom", public(boom))
    body = app.test_client().get("/boom", base_url="https://crm.example").get_data(as_text=True)
    assert "error id" in body and "internal detail" not in body and "Traceback" not in body


def test_24_secret_key_required_and_rotation_through_fallbacks(app_config):
    with pytest.raises(RuntimeError):
        create_app({**PROD, "SECRET_KEY": ""})
    old = create_app({**app_config, "SECRET_KEY": "old-key-" + "o" * 40})
    serializer = SecureCookieSessionInterface().get_signing_serializer(old)
    cookie = serializer.dumps({"probe": "value"})
    new = create_app(
        {
            **app_config,
            "SECRET_KEY": "new-key-" + "n" * 40,
            "SECRET_KEY_FALLBACKS": ["old-key-" + "o" * 40],
        }
    )
    loaded = SecureCookieSessionInterface().get_signing_serializer(new).loads(cookie)
    assert loaded == {"probe": "value"}


def test_25_role_change_needs_recent_login(client, login, make_user, db):
    with time_machine.travel(utcnow(), tick=False) as clock:
        login("admin")
        target = make_user("viewer")
        clock.shift(timedelta(minutes=20))
        client.get("/")
        response = post_form(client, f"/admin/users/{target.id}/role", {"role": "admin"})
        assert response.headers["Location"].startswith("/reauth")
        db.refresh(target)
        assert target.role == "viewer"


def test_26_logins_and_role_changes_audited_without_secrets(client, login, make_user, db):
    admin = login("admin")
    target = make_user("viewer")
    post_form(client, f"/admin/users/{target.id}/role", {"role": "legal", "confirm_role": "yes"})
    events = db.scalars(select(AuditEvent)).all()
    actions = {e.action for e in events}
    assert {"login.success", "user.role_change"} <= actions
    cookie = client.get_cookie("crm_session").value
    dump = repr([(e.actor_label, e.changes) for e in events])
    assert "correct horse" not in dump and cookie not in dump
    assert admin.password_hash not in dump


def test_27_api_tokens_hashed_scoped_revocable(client, api, db, make_user):
    user, headers = api("viewer")
    raw = headers["Authorization"].split()[1]
    token = db.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert raw not in (token.token_hash, token.prefix) and len(token.token_hash) == 64
    assert client.get("/api/v1/audit", headers=headers).status_code == 403  # viewer's role
    revoke_token(db, user, token)
    db.flush()
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    other, other_headers = api("manager")
    db.get(User, other.id).active = False
    db.flush()
    assert client.get("/api/v1/me", headers=other_headers).status_code == 401


def test_30_bandit_finds_nothing_at_medium_or_above():
    bandit = Path(sys.executable).with_name("bandit")
    if not bandit.exists():
        pytest.skip("bandit is not installed in this environment")
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [str(bandit), "-q", "-r", "crm", "config", "-ll", "-f", "txt"],
        cwd=root,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
