"""Login, throttling, sessions and their end (DESIGN section 6, SECURITY items 1–10)."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import func, select

from crm.audit.models import AuditEvent
from crm.auth.models import UserSession
from crm.common.timeutil import utcnow
from tests.conftest import CSRF_RE, csrf_token, log_in, post_form


def test_login_success_lands_on_home(client, make_user):
    user = make_user("manager")
    response = log_in(client, user)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    page = client.get("/")
    assert page.status_code == 200
    assert user.name in page.get_data(as_text=True)


def test_wrong_password_and_unknown_user_look_the_same(client, make_user):
    user = make_user("manager")
    wrong = log_in(client, user, password="not the right password")
    token = CSRF_RE.search(client.get("/login").get_data(as_text=True)).group(1)
    unknown = client.post(
        "/login",
        data={"email": "nobody@example.test", "password": "whatever whatever", "csrf_token": token},
    )
    assert wrong.status_code == unknown.status_code == 401
    assert "Email or password is incorrect." in wrong.get_data(as_text=True)
    assert "Email or password is incorrect." in unknown.get_data(as_text=True)


def test_failed_logins_are_throttled_with_retry_after(client, make_user, app):
    user = make_user("manager")
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    for _ in range(limit):
        assert log_in(client, user, password="wrong password here").status_code == 401
    response = log_in(client, user)  # even the right password waits now
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0


def test_throttle_per_address_counts_across_accounts(client, make_user, app, db):
    limit = app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    token = csrf_token(client)
    for n in range(limit):
        client.post(
            "/login",
            data={
                "email": f"ghost{n}@example.test",
                "password": "wrong password here",
                "csrf_token": token,
            },
        )
    user = make_user("manager")
    assert log_in(client, user).status_code == 429


def test_login_without_csrf_token_is_refused(client, make_user):
    user = make_user("manager")
    response = client.post(
        "/login", data={"email": user.email, "password": "correct horse battery staple"}
    )
    assert response.status_code == 400


def test_next_stays_on_this_site(client, make_user):
    user = make_user("manager")
    token = CSRF_RE.search(client.get("/login").get_data(as_text=True)).group(1)
    for target, expected in [
        ("https://elsewhere.example/", "/"),
        ("//evil.example", "/"),
        ("/profile", "/profile"),
    ]:
        client.get("/")  # reset
        response = client.post(
            f"/login?next={target}",
            data={
                "email": user.email,
                "password": "correct horse battery staple",
                "csrf_token": token,
            },
        )
        assert response.headers["Location"] == expected
        post_form(client, "/logout")
        token = CSRF_RE.search(client.get("/login").get_data(as_text=True)).group(1)


def test_session_is_renewed_at_login(client, make_user):
    user = make_user("manager")
    with client.session_transaction() as planted:
        planted["planted"] = "by an attacker"
    log_in(client, user)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session.get("sid")


def test_session_cookie_replayed_after_logout_is_refused(client, make_user):
    user = make_user("manager")
    log_in(client, user)
    cookie = client.get_cookie("crm_session").value
    assert post_form(client, "/logout").status_code == 302
    client.set_cookie("crm_session", cookie)
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_deactivation_ends_open_sessions_and_tokens(app, db, make_user):
    from crm.auth import services

    admin_client, victim_client = app.test_client(), app.test_client()
    admin = make_user("admin")
    victim = make_user("manager")
    _token, raw = services.create_token(db, victim, victim, "t")
    db.flush()
    log_in(admin_client, admin)
    log_in(victim_client, victim)
    assert victim_client.get("/").status_code == 200
    response = post_form(admin_client, f"/admin/users/{victim.id}/deactivate")
    assert response.status_code == 302
    assert victim_client.get("/").status_code == 302
    api = victim_client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert api.status_code == 401


def test_password_change_ends_other_sessions_but_keeps_this_one(app, db, make_user):
    here, elsewhere = app.test_client(), app.test_client()
    user = make_user("manager")
    log_in(here, user)
    log_in(elsewhere, user)
    response = post_form(
        here,
        "/profile/password",
        {
            "current_password": "correct horse battery staple",
            "new_password": "a brand new passphrase 42",
        },
    )
    assert response.status_code == 302
    assert here.get("/").status_code == 200
    assert elsewhere.get("/").status_code == 302


def test_password_change_needs_the_current_password(client, login):
    login("manager")
    response = post_form(
        client,
        "/profile/password",
        {"current_password": "wrong", "new_password": "a brand new passphrase 42"},
    )
    assert response.status_code == 422
    assert "is not your current password" in response.get_data(as_text=True)


def test_short_and_common_passwords_are_refused(client, login):
    login("manager")
    for new, message in [("short", "at least 12"), ("password1234", "too common")]:
        response = post_form(
            client,
            "/profile/password",
            {"current_password": "correct horse battery staple", "new_password": new},
        )
        assert message in response.get_data(as_text=True)


def test_idle_timeout_ends_the_session(client, make_user):
    user = make_user("manager")
    with time_machine.travel(utcnow(), tick=False) as traveller:
        log_in(client, user)
        assert client.get("/").status_code == 200
        traveller.shift(timedelta(minutes=31))
        assert client.get("/").status_code == 302


def test_absolute_timeout_ends_an_active_session(client, make_user):
    user = make_user("manager")
    with time_machine.travel(utcnow(), tick=False) as traveller:
        log_in(client, user)
        for _ in range(13 * 3):  # keep it busy every 20 minutes for 13 hours
            traveller.shift(timedelta(minutes=20))
            if client.get("/").status_code == 302:
                break
        assert client.get("/").status_code == 302


def test_logins_are_audited_without_secrets(client, make_user, db):
    user = make_user("manager")
    log_in(client, user, password="wrong password here")
    log_in(client, user)
    events = db.scalars(select(AuditEvent).where(AuditEvent.entity_id == str(user.id))).all()
    actions = [e.action for e in events]
    assert "login.failure" in actions and "login.success" in actions
    dump = repr([e.changes for e in events])
    assert "correct horse" not in dump and "wrong password" not in dump


def test_logout_ends_the_server_side_session(client, make_user, db):
    user = make_user("manager")
    log_in(client, user)
    post_form(client, "/logout")
    live = db.scalar(
        select(func.count())
        .select_from(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    )
    assert live == 0
