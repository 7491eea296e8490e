"""Security checks of invitation and reset links (SECURITY items 25 and 26), and of the
recent-login rule over every privileged act.

The flows themselves are tested in tests/auth/test_recovery.py.
"""

from __future__ import annotations

import logging
import re
import secrets

from sqlalchemy import select

from crm.audit.models import AuditEvent
from crm.auth import links
from crm.auth.models import AuthLink
from crm.mail.models import OutboxMessage
from tests.conftest import CSRF_RE, post_form

NEW_PASSWORD = "a brand new passphrase for me"
LINK_RE = re.compile(r"http://crm\.test(/account/reset/([A-Za-z0-9_-]+))")

# Item 25, and the list: every act that needs a login of the last 15 minutes.
PRIVILEGED = {
    # users and roles
    "admin_users.create",
    "admin_users.invite",
    "admin_users.resend_invite",
    "admin_users.activate",
    "admin_users.deactivate",
    "admin_users.change_role",
    # API tokens
    "auth.create_token",
    "auth.revoke_token",
    # erasure, NDAs, early access
    "creators.erase",
    "agreements.nda_terminate",
    "agreements.grant_new",
    "agreements.grant_resume",
}


def test_25_every_privileged_act_needs_a_recent_login(app):
    missing = {e for e in PRIVILEGED if not getattr(app.view_functions[e], "crm_recent_login", 0)}
    assert missing == set()


def test_26_only_the_link_hash_is_stored_and_no_token_reaches_the_audit_log(client, make_user, db):
    make_user("viewer", email="careful@example.test")
    post_form(client, "/forgot-password", {"email": "careful@example.test"})
    link = db.scalar(select(AuthLink).where(AuthLink.purpose == "reset"))
    message = db.scalar(select(OutboxMessage).where(OutboxMessage.to == "careful@example.test"))
    path, raw = LINK_RE.search(message.text).groups()
    assert len(raw) >= 43  # 256 bits of randomness, URL-safe
    page = client.get(path).get_data(as_text=True)
    token = CSRF_RE.search(page).group(1)
    data = {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "csrf_token": token}
    assert client.post(path, data=data).status_code == 302
    db.refresh(link)
    assert link.token_hash != raw and len(link.token_hash) == 64 and link.used_at
    assert raw not in repr(links.Invitation(link.user, link, f"http://crm.test{path}"))
    dump = repr([(e.actor_label, e.action, e.changes) for e in db.scalars(select(AuditEvent))])
    assert raw not in dump and NEW_PASSWORD not in dump and link.token_hash not in dump


def test_26_link_tokens_are_redacted_from_log_lines(app, caplog):
    raw = secrets.token_urlsafe(32)
    with caplog.at_level(logging.INFO):
        logging.getLogger("werkzeug").info(
            '%s - - [%s] "%s" %s %s',
            "127.0.0.1",
            "now",
            f"GET /account/reset/{raw} HTTP/1.1",
            200,
            9,
        )
        logging.getLogger("crm.errors").error(
            "unhandled error %s on %s %s", "abc", "POST", f"/account/invite/{raw}"
        )
        logging.getLogger("gunicorn.access").info("%(r)s", {"r": f"GET /account/reset/{raw}?x=1"})
    assert raw not in caplog.text
    assert caplog.text.count("[redacted]") == 3
