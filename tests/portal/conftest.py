"""Portal fixtures: a creator with an accepted portal account, and a logged-in portal client."""

from __future__ import annotations

import re

import pytest

from crm.portal.services import accounts
from tests.conftest import CSRF_RE

PASSWORD = "a long creator passphrase 2026"
SETTINGS = accounts.PortalSettings(base_url="http://crm.test")
LINK_RE = re.compile(r"http://crm\.test(/portal/(?:invite|link)/[A-Za-z0-9_-]+)")


def token_of(url: str) -> str:
    return url.rsplit("/", 1)[1]


@pytest.fixture
def make_portal_account(db, make_user):
    """`make_portal_account(creator)`: invited by a manager, accepted with PASSWORD."""

    def make(creator, email=None, relation="creator"):
        manager = make_user("manager")
        invitation = accounts.invite(
            db,
            manager,
            creator_id=creator.id,
            email=email or f"creator{creator.id}@example.com",
            relation=relation,
            settings=SETTINGS,
        )
        account, _creator_id = accounts.redeem(
            db, accounts.INVITE, token_of(invitation.url), PASSWORD
        )
        db.flush()
        return account

    return make


def portal_csrf(client) -> str:
    for path in ("/portal/profile", "/portal/login"):
        response = client.get(path)
        if response.status_code == 200:
            match = CSRF_RE.search(response.get_data(as_text=True))
            if match:
                return match.group(1)
    raise AssertionError("no CSRF token found")


def portal_log_in(client, account, password: str = PASSWORD):
    token = portal_csrf(client)
    return client.post(
        "/portal/login", data={"email": account.email, "password": password, "csrf_token": token}
    )


def portal_post(client, url: str, data: dict | None = None, **kwargs):
    payload = dict(data or {})
    payload.setdefault("csrf_token", portal_csrf(client))
    return client.post(url, data=payload, **kwargs)


@pytest.fixture
def portal_client(app, db, make_creator, make_portal_account):
    """(client, account, creator): a test client logged in to the portal."""
    creator = make_creator(display_name="Maya Lens", legal_name="Maya Lindqvist")
    account = make_portal_account(creator)
    client = app.test_client()
    response = portal_log_in(client, account)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client, account, creator
