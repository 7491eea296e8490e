"""Inline errors on every form, through the Flask test client (the quick twin of
tests/e2e/test_form_crawl.py, which does the same in Chromium).

As each role, every page reachable by links from the home page is visited (one per URL
shape, navigation first) over the demo data; every POST form there with a field a person
types into is posted once with one field filled wrongly (tests/form_oracle.py chooses the
field and the value), and the answer must be the same form again with the field's message
beside it, the typed value kept and 422 or 409: never a stand-alone error page, a redirect
that drops the input, or a 500. Each post runs in a transaction of the seeded world that is
rolled back afterwards (tests/fuzz/conftest.py), so one form's post never changes the next.
"""

from __future__ import annotations

import re

import pytest
from werkzeug.datastructures import MultiDict

from crm.auth.demo import DEMO_PASSWORD
from tests import form_oracle as oracle
from tests.fuzz.conftest import DEMO_EMAILS, ROLES

# Fewer POST forms than this for a role means the crawl lost its way, not that all is well.
MINIMUM_FORMS = {"admin": 40, "manager": 35, "legal": 8, "viewer": 3}


def log_in(app, email: str):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post(
        "/login", data={"email": email, "password": DEMO_PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client


def copy_of(app, client):
    """A client with the role's cookies: what one post leaves in its session (a flash
    message) cannot show up on the next form's page."""
    fresh = app.test_client()
    for cookie in client._cookies.values():
        fresh.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)
    return fresh


def crawl(client) -> tuple[list[str], list[oracle.Form]]:
    def fetch(url: str) -> str | None:
        response = client.get(url)
        if response.status_code != 200 or "html" not in (response.content_type or ""):
            return None
        return response.get_data(as_text=True)

    return oracle.crawl(fetch)


def post(app, client, world, form: oracle.Form, target: oracle.Target):
    pairs = [(k, v) for k, v in oracle.baseline(form) if k != target.name]
    pairs.append((target.name, target.value))
    with world.example():
        response = copy_of(app, client).post(
            form.action,
            data=MultiDict(pairs),
            content_type="multipart/form-data" if form.multipart else None,
        )
        return response.status_code, response.get_data(as_text=True)


@pytest.mark.parametrize("role", ROLES)
def test_every_form_shows_a_wrong_value_beside_its_field(app, world, role):
    client = log_in(app, DEMO_EMAILS[role])
    pages, forms = crawl(client)
    failures, checked = [], []
    for form in forms:
        target = oracle.invalid_value(form)
        if target is None:
            continue
        status, html = post(app, client, world, form, target)
        checked.append(f"{form.action} [{target.name}: {target.why}] → {status}")
        for problem in oracle.check(form, target, status, html, form.action):
            failures.append(
                f"{form.action} (from {form.page}) [{target.name}: {target.why}]: {problem}"
            )
    summary = f"{role}: {len(pages)} pages, {len(checked)} forms posted"
    print(summary, *checked, sep="\n  ")
    assert not failures, summary + "\n" + "\n".join(failures)
    assert len(checked) >= MINIMUM_FORMS[role], summary + "\n" + "\n".join(checked)
