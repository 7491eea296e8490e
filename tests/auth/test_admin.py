"""Admin pages: users and roles; the profile page; API tokens from the browser."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import select

from crm.audit.models import AuditEvent
from crm.auth.models import ApiToken, User
from crm.common.timeutil import utcnow
from tests.conftest import post_form


def test_admin_creates_a_user(client, login, db):
    login("admin")
    response = post_form(
        client,
        "/admin/users/",
        {
            "email": "New.Person@Example.test",
            "name": "New Person",
            "role": "legal",
            "password": "a long enough passphrase",
        },
    )
    assert response.status_code == 302
    user = db.scalar(select(User).where(User.email == "new.person@example.test"))
    assert user is not None and user.role == "legal"
    assert "new.person@example.test" in client.get("/admin/users/").get_data(as_text=True)


def test_duplicate_email_is_refused_case_insensitively(client, login, make_user):
    make_user("viewer", email="taken@example.test")
    login("admin")
    response = post_form(
        client,
        "/admin/users/",
        {
            "email": "TAKEN@example.test",
            "name": "Dup",
            "role": "viewer",
            "password": "a long enough passphrase",
        },
    )
    assert response.status_code == 422
    assert "already used" in response.get_data(as_text=True)


def test_admin_changes_a_role_and_it_is_audited(client, login, make_user, db):
    login("admin")
    target = make_user("viewer")
    response = post_form(
        client, f"/admin/users/{target.id}/role", {"role": "manager", "confirm_role": "yes"}
    )
    assert response.status_code == 302
    db.refresh(target)
    assert target.role == "manager"
    event = db.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "user.role_change", AuditEvent.entity_id == str(target.id)
        )
    )
    assert event.changes == {"role": ["viewer", "manager"]}


def test_role_change_needs_a_recent_login(client, login, make_user, db):
    with time_machine.travel(utcnow(), tick=False) as traveller:
        login("admin")
        target = make_user("viewer")
        traveller.shift(timedelta(minutes=16))
        client.get("/")  # keep the session alive (idle timeout is 30 minutes)
        response = post_form(
            client,
            f"/admin/users/{target.id}/role",
            {"role": "manager"},
            headers={"Referer": "http://localhost/admin/users/"},
        )
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/reauth")
        db.refresh(target)
        assert target.role == "viewer"
        reauth = post_form(
            client, "/reauth?next=/admin/users/", {"password": "correct horse battery staple"}
        )
        assert reauth.headers["Location"] == "/admin/users/"
        post_form(
            client, f"/admin/users/{target.id}/role", {"role": "manager", "confirm_role": "yes"}
        )
        db.refresh(target)
        assert target.role == "manager"


def test_admin_cannot_demote_or_deactivate_the_last_admin(client, login, db):
    admin = login("admin")
    post_form(client, f"/admin/users/{admin.id}/deactivate")
    db.refresh(admin)
    assert admin.active


def test_non_admins_cannot_manage_users(client, login, make_user):
    login("manager")
    target = make_user("viewer")
    assert client.get("/admin/users/").status_code == 403
    assert post_form(client, f"/admin/users/{target.id}/role", {"role": "admin"}).status_code == 403


def test_profile_saves_name_timezone_and_digest_choice(client, login, db):
    user = login("manager")
    response = post_form(client, "/profile", {"name": "Renamed", "timezone": "Europe/Berlin"})
    assert response.status_code == 302
    db.refresh(user)
    assert (user.name, user.timezone, user.digest_opt_in) == ("Renamed", "Europe/Berlin", False)


def test_profile_refuses_an_unknown_time_zone(client, login):
    login("manager")
    response = post_form(client, "/profile", {"name": "X", "timezone": "Mars/Olympus"})
    assert response.status_code == 422


def test_token_is_shown_once_stored_hashed_and_revocable(client, login, db):
    user = login("manager")
    page = post_form(client, "/profile/tokens", {"name": "laptop"}).get_data(as_text=True)
    raw = page.split('id="new-token">')[1].split("<")[0]
    assert raw.startswith("crm_")
    token = db.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert raw not in (token.token_hash, token.prefix)
    assert raw not in client.get("/profile").get_data(as_text=True)
    headers = {"Authorization": f"Bearer {raw}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    post_form(client, f"/profile/tokens/{token.id}/revoke")
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_a_user_cannot_revoke_someone_elses_token(client, login, make_user, db):
    from crm.auth.services import create_token

    other = make_user("manager")
    token, _raw = create_token(db, other, other, "theirs")
    db.flush()
    login("manager")
    assert post_form(client, f"/profile/tokens/{token.id}/revoke").status_code == 404
