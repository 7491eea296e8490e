"""Forgot password in the portal: an emailed single-use, expiring link sets a new password
without the current one, ends the account's other sessions, is throttled, and an unknown
address gets the same answer as a known one."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from crm.common.errors import TooManyRequests
from crm.mail.models import OutboxMessage
from crm.portal.models import PortalLink, PortalSession
from crm.portal.services import accounts
from tests.portal.conftest import PASSWORD, SETTINGS, portal_log_in, portal_post

RESET_RE = re.compile(r"http://[^/\s]+(/portal/reset/[A-Za-z0-9_-]+)")
NEW_PASSWORD = "another long creator passphrase"


def _reset_mails(db):
    return list(db.scalars(select(OutboxMessage).where(OutboxMessage.kind == "portal_reset")))


def test_forgot_password_link_sets_a_new_password_and_ends_other_sessions(app, db, portal_client):
    client, account, _creator = portal_client
    assert client.get("/portal/").status_code == 200
    browser = app.test_client()
    page = browser.get("/portal/login").get_data(as_text=True)
    assert "/portal/forgot-password" in page
    answer = portal_post(browser, "/portal/forgot-password", {"email": account.email.upper()})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/portal/login")
    assert "we have emailed it a link" in browser.get("/portal/login").get_data(as_text=True)
    [message] = _reset_mails(db)
    assert message.to == account.email
    path = RESET_RE.search(message.text).group(1)
    form = browser.get(path)
    assert form.status_code == 200 and account.email in form.get_data(as_text=True)
    weak = portal_post(browser, path, {"password": "short"})
    assert weak.status_code == 422  # the link is not used up by a refused password
    done = portal_post(browser, path, {"password": NEW_PASSWORD})
    assert done.status_code == 302 and done.headers["Location"].endswith("/portal/")
    assert browser.get("/portal/").status_code == 200  # logged in with the new session
    assert client.get("/portal/").headers["Location"].startswith("/portal/login")  # ended
    assert browser.get(path).status_code == 410  # single use
    fresh = app.test_client()
    assert portal_log_in(fresh, account, PASSWORD).status_code == 401
    assert portal_log_in(fresh, account, NEW_PASSWORD).status_code == 302
    open_sessions = db.scalars(
        select(PortalSession).where(
            PortalSession.account_id == account.id, PortalSession.ended_at.is_(None)
        )
    ).all()
    assert len(open_sessions) == 2  # the reset's and the fresh login


def test_an_unknown_address_gets_the_same_answer_and_no_email(app, db, portal_client):
    _client, account, _creator = portal_client
    pages = []
    for email in (account.email, "nobody@example.com"):
        browser = app.test_client()
        answer = portal_post(browser, "/portal/forgot-password", {"email": email})
        assert answer.status_code == 302
        body = browser.get(answer.headers["Location"]).get_data(as_text=True)
        pages.append((answer.headers["Location"], re.sub(r'value="[^"]{40,}"', "", body)))
    assert pages[0] == pages[1]
    assert len(_reset_mails(db)) == 1


def test_a_reset_link_expires(db, portal_client):
    _client, account, _creator = portal_client
    accounts.request_password_reset(db, account.email, "198.51.100.1", SETTINGS)
    link = db.scalar(select(PortalLink).where(PortalLink.purpose == "reset"))
    raw = RESET_RE.search(_reset_mails(db)[0].text).group(1).rsplit("/", 1)[1]
    link.expires_at = link.created_at - timedelta(seconds=1)
    db.flush()
    with pytest.raises(accounts.LinkUnusable) as gone:
        accounts.redeem(db, accounts.RESET, raw, NEW_PASSWORD)
    assert gone.value.reason == "expired"


def test_reset_requests_are_throttled(db, portal_client):
    _client, account, _creator = portal_client
    quiet = SETTINGS.__class__(base_url="http://crm.test", reset_per_account=2, reset_per_address=4)
    for _ in range(3):
        accounts.request_password_reset(db, account.email, "198.51.100.2", quiet)
    assert len(_reset_mails(db)) == 2  # past the account limit: same answer, no email
    accounts.request_password_reset(db, "other@example.com", "198.51.100.2", quiet)
    with pytest.raises(TooManyRequests):
        accounts.request_password_reset(db, "third@example.com", "198.51.100.2", quiet)


def test_forgot_password_over_http_is_throttled_with_retry_after(app, db, monkeypatch):
    monkeypatch.setitem(app.config, "PASSWORD_RESET_MAX_PER_ADDRESS", 1)
    browser = app.test_client()
    first = portal_post(browser, "/portal/forgot-password", {"email": "a@example.com"})
    assert first.status_code == 302
    refused = portal_post(browser, "/portal/forgot-password", {"email": "b@example.com"})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0


def test_a_malformed_address_is_shown_on_the_form(app, db):
    browser = app.test_client()
    response = portal_post(browser, "/portal/forgot-password", {"email": "a@b\r\nBcc: x@y"})
    assert response.status_code in (400, 422)


def test_portal_link_tokens_are_redacted_from_log_lines(app, caplog):
    import logging
    import secrets

    raw = secrets.token_urlsafe(32)
    with caplog.at_level(logging.INFO):
        for path in ("/portal/reset/", "/portal/link/", "/portal/invite/"):
            logging.getLogger("werkzeug").info('"%s" %s', f"GET {path}{raw} HTTP/1.1", 200)
    assert raw not in caplog.text and caplog.text.count("[redacted]") == 3
