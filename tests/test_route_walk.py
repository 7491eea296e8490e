"""Walk the whole route table as every role and anonymously (SECURITY items 11 and 14).

Each route's declared roles (`@allow`/`@public`) are the expectation: anonymous requests are
sent to the login page (HTML) or get 401 (API); a role outside the declaration gets 403; an
allowed role never gets 401/403/500. Routes added by later domains are walked automatically.
"""

from __future__ import annotations

import re

import pytest

from crm.common.permissions import PORTAL, PUBLIC, ROLES, access_of
from tests.conftest import csrf_token, log_in

PUBLIC_ALLOWLIST = {
    "auth.login",
    "home.healthz",
    # The site icon browsers fetch before anyone logs in (a redirect to the static SVG).
    "home.favicon",
    "api.openapi",
    # Account recovery and invitations: reached from an email, before any login.
    "recovery.forgot_password",
    "recovery.reset",
    "recovery.invite",
    # The public keys of consent receipts, so anyone holding a receipt can check it.
    "well_known.jwks",
    # Each user's calendar feed, for calendar apps: the secret in the URL is the credential.
    "calendar.feed",
    # The creator portal's own login, emailed login links and invitations.
    "portal.login",
    "portal.login_link",
    "portal.accept",
    "portal.link",
    "portal.forgot_password",
    "portal.reset",
    # The ODRL policy a creator's tdmrep.json links: crawlers read it without a token.
    "api.creator_tdm_policy",
}
LAST = {"auth.logout", "portal.logout"}  # end the session, so they are walked last


def _url(rule) -> str:
    url = rule.rule
    for converter, name in re.findall(r"<(?:(\w+):)?(\w+)>", url):
        value = "999999" if converter in ("int", "") or name.endswith("id") else "x"
        url = re.sub(rf"<(?:\w+:)?{name}>", value, url)
    return url


def _routes(app):
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            routes.append((rule, method))
    return sorted(routes, key=lambda r: (r[0].endpoint in LAST, r[0].rule, r[1]))


def test_every_route_declares_who_may_use_it(app):
    missing = [
        name
        for name, view in app.view_functions.items()
        if name != "static" and access_of(view) is None
    ]
    assert missing == []


def test_public_routes_are_a_short_allowlist(app):
    public = {name for name, view in app.view_functions.items() if access_of(view) == PUBLIC}
    assert public == PUBLIC_ALLOWLIST


def test_anonymous_requests_are_refused_everywhere_else(client, app):
    for rule, method in _routes(app):
        if rule.endpoint in PUBLIC_ALLOWLIST:
            continue
        headers = {}
        if method != "GET" and not rule.rule.startswith("/api/"):
            data = {"csrf_token": csrf_token(client)}
        else:
            data = None
        response = client.open(_url(rule), method=method, data=data, headers=headers)
        if rule.rule.startswith("/api/"):
            assert response.status_code == 401, (rule.rule, method)
            assert response.content_type.startswith("application/problem+json")
        else:
            assert response.status_code == 302, (rule.rule, method, response.status_code)
            assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_exactly_what_is_declared(app, db, make_user, role):
    from crm.auth.services import create_token

    client = app.test_client()
    user = make_user(role)
    _token, raw = create_token(db, user, user, "walk")
    db.flush()
    log_in(client, user)
    bearer = {"Authorization": f"Bearer {raw}"}
    for rule, method in _routes(app):
        access = access_of(app.view_functions[rule.endpoint])
        if access == PUBLIC:
            continue
        if access == PORTAL:  # a staff login is no portal session
            kwargs = {"data": {"csrf_token": csrf_token(client)}} if method != "GET" else {}
            response = client.open(_url(rule), method=method, **kwargs)
            assert response.status_code == 302, (role, method, rule.rule, response.status_code)
            assert response.headers["Location"].startswith("/portal/login")
            continue
        allowed = access == "any_user" or role in access
        is_api = rule.rule.startswith("/api/")
        kwargs: dict = {"headers": bearer} if is_api else {}
        if method != "GET":
            if is_api:
                kwargs["json"] = {}
            else:
                kwargs["data"] = {"csrf_token": csrf_token(client)}
        response = client.open(_url(rule), method=method, **kwargs)
        status = response.status_code
        where = (role, method, rule.rule, status)
        assert status < 500, where
        if allowed:
            assert status not in (401, 403), where
        else:
            assert status == 403, where


def test_state_changing_html_routes_refuse_a_missing_csrf_token(app, db, make_user):
    client = app.test_client()
    log_in(client, make_user("admin"))
    checked = 0
    for rule, method in _routes(app):
        if method == "GET" or rule.rule.startswith("/api/"):
            continue
        response = client.open(_url(rule), method=method, data={})
        assert response.status_code == 400, (method, rule.rule, response.status_code)
        checked += 1
    assert checked >= 5


def test_a_creator_session_reaches_only_the_portal(app, db, make_creator):
    """The creator principal walks every route: staff pages send it to the staff login,
    the API answers 401, portal routes answer (404 for ids that are not its own)."""
    from crm.portal.services import accounts
    from tests.factories import UserFactory
    from tests.portal.conftest import PASSWORD, SETTINGS, portal_csrf, portal_log_in, token_of

    creator = make_creator()
    invitation = accounts.invite(
        db, UserFactory(role="manager"), creator_id=creator.id,
        email="walker@example.com", settings=SETTINGS,
    )  # fmt: skip
    account, _ = accounts.redeem(db, accounts.INVITE, token_of(invitation.url), PASSWORD)
    db.flush()
    client = app.test_client()
    assert portal_log_in(client, account).status_code == 302
    walked = 0
    for rule, method in _routes(app):
        access = access_of(app.view_functions[rule.endpoint])
        if access == PUBLIC:
            continue
        is_api = rule.rule.startswith("/api/")
        kwargs: dict = {}
        if method != "GET":
            kwargs = {"json": {}} if is_api else {"data": {"csrf_token": portal_csrf(client)}}
        response = client.open(_url(rule), method=method, **kwargs)
        status = response.status_code
        where = (method, rule.rule, status)
        assert status < 500, where
        if access == PORTAL:
            assert status not in (401, 403), where
            if status == 302 and rule.endpoint not in LAST:
                assert not response.headers["Location"].startswith("/portal/login"), where
        elif is_api:
            assert status == 401, where
        else:
            assert status == 302, where
            assert response.headers["Location"].startswith("/login"), where
        walked += 1
    assert walked > 100
