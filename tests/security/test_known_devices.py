"""Per-account lockout spares a device that logged in before; per-address limits count the
client behind trusted proxies."""

from __future__ import annotations

from flask import Flask, request

from crm.web import proxies
from tests.conftest import log_in

WRONG = "wrong password here"


def _device_cookie(client, app):
    return client.get_cookie(app.config["DEVICE_COOKIE_NAME"])


def test_a_login_sets_a_signed_http_only_device_cookie(client, make_user, app):
    user = make_user("manager")
    response = log_in(client, user)
    assert response.status_code == 302
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("crm_device="))
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header
    assert "Max-Age=" in header


def test_bad_guesses_elsewhere_do_not_lock_out_a_known_device(app, db, make_user):
    user = make_user("manager")
    mine, theirs = app.test_client(), app.test_client()
    assert log_in(mine, user).status_code == 302
    mine.post("/logout", data={})  # may be refused without CSRF; the cookie is what matters
    mine.delete_cookie(app.config["SESSION_COOKIE_NAME"])
    assert _device_cookie(mine, app) is not None
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        assert log_in(theirs, user, password=WRONG).status_code == 401
    # The other device is locked out, even with the right password ...
    assert log_in(theirs, user).status_code == 429
    # ... but the user's own device logs in.
    assert log_in(mine, user).status_code == 302


def test_a_device_cookie_of_another_account_or_forged_does_not_help(app, db, make_user):
    victim, other = make_user("manager"), make_user("manager")
    device = app.test_client()
    assert log_in(device, other).status_code == 302
    device.delete_cookie(app.config["SESSION_COOKIE_NAME"])
    attacker = app.test_client()
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        assert log_in(attacker, victim, password=WRONG).status_code == 401
    assert log_in(device, victim).status_code == 429
    forged = app.test_client()
    forged.set_cookie(app.config["DEVICE_COOKIE_NAME"], f'{{"u": {victim.id}}}.x.y')
    assert log_in(forged, victim).status_code == 429


def test_the_per_address_limit_still_applies_to_a_known_device(app, db, make_user):
    user = make_user("manager")
    device = app.test_client()
    assert log_in(device, user).status_code == 302
    device.delete_cookie(app.config["SESSION_COOKIE_NAME"])
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]):
        log_in(device, user, password=WRONG)
    assert log_in(device, user).status_code == 429


def test_trusted_proxies_make_limits_count_the_client():
    behind = Flask(__name__)
    behind.config["CRM_TRUSTED_PROXIES"] = 1
    proxies.init_app(behind)
    seen = {}

    @behind.get("/probe")
    def _probe():
        seen["addr"] = request.remote_addr
        seen["scheme"] = request.scheme
        return "ok"

    behind.test_client().get(
        "/probe",
        headers={"X-Forwarded-For": "198.51.100.9, 203.0.113.7", "X-Forwarded-Proto": "https"},
        environ_base={"REMOTE_ADDR": "10.0.0.1"},
    )
    # One trusted hop: the address the proxy saw, not one the client wrote before it.
    assert seen == {"addr": "203.0.113.7", "scheme": "https"}


def test_forwarded_headers_are_ignored_without_trusted_proxies(app):
    assert app.config["CRM_TRUSTED_PROXIES"] == 0
    assert app.wsgi_app.__class__.__name__ != "ProxyFix"


NEW = "a brand new passphrase 42"


def _lock_out(app, user, password: str) -> None:
    attacker = app.test_client()
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        assert log_in(attacker, user, password=WRONG).status_code == 401
    assert log_in(attacker, user, password=password).status_code == 429


def test_a_password_change_ends_the_standing_of_every_known_device(app, db, make_user):
    from tests.conftest import post_form
    from tests.factories import DEFAULT_PASSWORD

    user = make_user("manager")
    old_device, mine = app.test_client(), app.test_client()
    assert log_in(old_device, user).status_code == 302
    old_device.delete_cookie(app.config["SESSION_COOKIE_NAME"])
    assert log_in(mine, user).status_code == 302
    changed = post_form(
        mine,
        "/profile/password",
        {"current_password": DEFAULT_PASSWORD, "new_password": NEW},
    )
    assert changed.status_code == 302
    _lock_out(app, user, NEW)
    # The device that logged in before the change is a stranger now ...
    assert _device_cookie(old_device, app) is not None
    assert log_in(old_device, user, password=NEW).status_code == 429


def test_a_password_reset_ends_the_standing_of_every_known_device(app, db, make_user):
    from crm.auth.services import set_password

    user = make_user("manager")
    device = app.test_client()
    assert log_in(device, user).status_code == 302
    device.delete_cookie(app.config["SESSION_COOKIE_NAME"])
    set_password(db, user, user, NEW)
    db.flush()
    _lock_out(app, user, NEW)
    assert log_in(device, user, password=NEW).status_code == 429


def test_a_device_that_logs_in_after_the_change_is_known_again(app, db, make_user):
    from crm.auth.services import set_password

    user = make_user("manager")
    set_password(db, user, user, NEW)
    db.flush()
    device = app.test_client()
    assert log_in(device, user, password=NEW).status_code == 302
    device.delete_cookie(app.config["SESSION_COOKIE_NAME"])
    _lock_out(app, user, NEW)
    assert log_in(device, user, password=NEW).status_code == 302
