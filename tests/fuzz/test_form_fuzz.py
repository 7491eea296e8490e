"""Hypothesis over every HTML form: never a 500, and a refused submission changes nothing.

The forms are found, not listed by hand: every page of the app is fetched as each role (ids
filled with seeded records), every `<form method="post">` on them is parsed for its fields,
and every POST route of the URL map is fuzzed, with the action URLs the pages use (so nested
ids belong together) or, for a route no page showed, its rule filled with seeded ids. Values
are unicode with control characters, very long strings, numbers, dates and words where
something else belongs, and fields left out. A 4xx answer must leave every table as it was.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import warnings
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from werkzeug.exceptions import HTTPException

from crm.auth.demo import DEMO_PASSWORD
from crm.common.permissions import ROLES as ALL_ROLE_NAMES
from crm.db import Base
from tests.fuzz.conftest import DEMO_EMAILS, ID_TABLES

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
# Examples per (form, role); CRM_FUZZ_EXAMPLES=200 for a long local run.
MAX_EXAMPLES = int(os.environ.get("CRM_FUZZ_EXAMPLES", "6"))
FUZZ_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
# Bookkeeping that every request may touch, refused or not (who is logged in, last seen).
VOLATILE_TABLES = {"user_sessions", "login_attempts"}
# A refused login or password check is recorded on purpose (SECURITY: failed attempts logged).
RECORDED_REFUSALS = {
    "auth.login": {"audit_events"},
    "auth.reauth": {"audit_events"},
    "auth.change_password": {"audit_events"},
    "portal.login": {"audit_events"},
}
# Too large to hash per example; a refused write would still change the count.
COUNTED_TABLES = {"snapshots"}


# --- finding the forms --------------------------------------------------------------------


@dataclass
class Field:
    name: str
    kind: str  # text, textarea, select, checkbox, radio, file, hidden, number, date, …
    values: list[str] = field(default_factory=list)  # options, or the value shown
    multiple: bool = False


@dataclass
class Form:
    action: str
    multipart: bool
    fields: dict[str, Field] = field(default_factory=dict)


class FormParser(HTMLParser):
    def __init__(self, page_url: str):
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[Form] = []
        self.current: Form | None = None
        self.select: Field | None = None
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href", "").startswith("/"):
            self.links.append(a["href"])
        if tag == "form":
            if (a.get("method") or "get").lower() == "post":
                action = a.get("action") or self.page_url
                self.current = Form(
                    action=with_query(action),
                    multipart=a.get("enctype") == "multipart/form-data",
                )
                self.forms.append(self.current)
            return
        form = self.current
        if form is None or not a.get("name"):
            if tag == "option" and self.select is not None and "value" in a:
                self.select.values.append(a["value"])
            return
        name = a["name"]
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "reset", "image"):
                return
            entry = form.fields.setdefault(name, Field(name, kind))
            if a.get("value") is not None:
                entry.values.append(a["value"])
            if kind == "checkbox" and entry.values:
                entry.multiple = True
        elif tag == "textarea":
            form.fields.setdefault(name, Field(name, "textarea"))
        elif tag == "select":
            self.select = form.fields.setdefault(
                name, Field(name, "select", multiple="multiple" in a)
            )

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None
        elif tag == "select":
            self.select = None


def fill_rule(rule, world, pick: int = 0) -> str | None:
    values = {}
    for name in rule.arguments:
        ids = world.ids.get(ID_TABLES.get(name, ""), [])
        if not ids:
            return None
        values[name] = ids[min(pick, len(ids) - 1)]
    try:
        return rule.build(values, append_unknown=False)[1]
    except Exception:
        return None


def with_query(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def log_in(app, email: str):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = CSRF_RE.search(page).group(1)
    response = client.post(
        "/login", data={"email": email, "password": DEMO_PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


@dataclass
class Target:
    endpoint: str
    url: str
    role: str | None  # None: not logged in
    form: Form


@pytest.fixture(scope="module")
def targets(app, world):
    """Every POST route with the fields its form shows, and the roles allowed to post it."""
    adapter = app.url_map.bind("localhost")
    post_rules = {
        rule.endpoint: rule
        for rule in app.url_map.iter_rules()
        if "POST" in (rule.methods or ()) and not rule.endpoint.startswith("api.")
    }
    found: dict[tuple[str, str], Form] = {}  # (endpoint, url) → form
    get_rules = [
        rule
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or ()) and not rule.endpoint.startswith(("api.", "static"))
    ]

    def picks(rule) -> range:
        """Every record of a small table (forms depend on its state), else the first three."""
        sizes = [len(world.ids.get(ID_TABLES.get(name, ""), [])) for name in rule.arguments]
        return range(max(sizes)) if len(sizes) == 1 and sizes[0] <= 12 else range(3)

    start = {fill_rule(rule, world, pick) for rule in get_rules for pick in picks(rule)}
    start = sorted(url for url in start if url and "logout" not in url)
    clients = {None: app.test_client()}
    for role in ALL_ROLE_NAMES:
        clients[role] = log_in(app, DEMO_EMAILS[role])
    for role, client in clients.items():
        pages = list(start) if role else ["/login"]
        seen: set[str] = set()
        while pages and len(seen) < 600:
            url = pages.pop()
            if url in seen:
                continue
            seen.add(url)
            response = client.get(url)
            if response.status_code != 200 or "html" not in response.content_type:
                continue
            parser = FormParser(url)
            parser.feed(response.get_data(as_text=True))
            for form in parser.forms:
                try:
                    endpoint, _args = adapter.match(urlsplit(form.action).path, method="POST")
                except HTTPException:
                    continue
                known = found.setdefault((endpoint, form.action), form)
                for name, f in form.fields.items():
                    known.fields.setdefault(name, f)
            for link in parser.links:
                link = with_query(link)
                try:
                    endpoint, _args = adapter.match(urlsplit(link).path, method="POST")
                except HTTPException:
                    continue
                if endpoint in post_rules and link not in seen:
                    pages.append(link)
    every_field = {
        name: Field(name, "text")
        for form in found.values()
        for name, f in form.fields.items()
        if f.kind != "file"
    }
    result: list[Target] = []
    for endpoint, rule in sorted(post_rules.items()):
        urls = [(url, form) for (ep, url), form in sorted(found.items()) if ep == endpoint][:1]
        if not urls:  # no page showed this form: try every field name any form has
            url = fill_rule(rule, world)
            assert url, f"no seeded ids for {rule.rule}"
            urls = [(url, Form(action=url, multipart=False, fields=dict(every_field)))]
        access = getattr(app.view_functions[endpoint], "crm_access", None)
        roles = [r for r in ALL_ROLE_NAMES if not isinstance(access, frozenset) or r in access]
        if not isinstance(access, frozenset):
            roles = ["admin", None]  # public: logged in and not
        for url, form in urls:
            for role in roles:
                result.append(Target(endpoint, url, role, form))
    assert len({t.endpoint for t in result}) == len(post_rules)
    return result, clients


# --- values ------------------------------------------------------------------------------

TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)
CONTROL = st.text(st.characters(max_codepoint=0x9F, exclude_categories=["Cs"]), max_size=20)
HUGE = st.sampled_from(["x", "é", "🙂", "a b ", "\u202e", "0"]).map(lambda s: s * 60_000)
ODD = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "0",
        "-1",
        "1.5",
        "1e309",
        "NaN",
        "inf",
        "99999999999999999999999999",
        "-9223372036854775809",
        "2147483648",
        "9223372036854775807",
        "abc",
        "2026-02-30",
        "0001-01-01",
        "9999-12-31",
        "10000-01-01",
        "2026-13-01T25:61",
        "1970-01-01T00:00",
        "not@an@email",
        "a@b.c",
        "https://",
        "javascript:alert(1)",
        "USD",
        "XXX",
        "1,000.00",
        "-0.00",
        "12345678901234567890.99",
        "true",
        "null",
        "[]",
        "{}",
        "<script>alert(1)</script>",
        "' OR 1=1 --",
        "²",
        "١٢",
        "１２",
        "00000000000000000000000000001",
    ]
)


def field_values(f: Field):
    shown = st.sampled_from(f.values) if f.values else st.nothing()
    if f.kind in ("checkbox", "radio") or (f.kind == "select" and f.values):
        wrong = st.one_of(ODD, TEXT)
        if f.multiple:
            return st.one_of(st.lists(shown, max_size=4), st.lists(wrong, max_size=2))
        return st.one_of(shown, shown, wrong)
    if f.kind == "file":
        return st.tuples(st.binary(max_size=300), st.text(max_size=30)).map(
            lambda pair: (io.BytesIO(pair[0]), pair[1] or "upload.bin")
        )
    return st.one_of(shown, TEXT, CONTROL, ODD, HUGE)


def submissions(form: Form):
    fields = {name: f for name, f in form.fields.items() if name != "csrf_token"}
    strategies = {name: field_values(f) for name, f in fields.items()}
    extra = st.dictionaries(st.sampled_from(["id", "role", "x", "creator_id"]), ODD, max_size=2)
    # Any subset of the fields (missing ones included) with any values, plus stray fields.
    return st.tuples(st.fixed_dictionaries({}, optional=strategies), extra).map(
        lambda pair: {**pair[1], **pair[0]}
    )


# --- the check ----------------------------------------------------------------------------


def checksum(connection) -> dict[str, str]:
    sums = {}
    for name, table in sorted(Base.metadata.tables.items()):
        if name in VOLATILE_TABLES or name == "alembic_version":
            continue
        if name in COUNTED_TABLES:
            row = connection.execute(select(func.count(), func.max(table.c.id))).one()
            sums[name] = repr(tuple(row))
            continue
        rows = connection.execute(select(table).order_by(*table.primary_key.columns)).all()
        sums[name] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return sums


def shown(payload: dict) -> str:
    """The payload for a failure message, long values cut."""

    def cut(value):
        if isinstance(value, str) and len(value) > 80:
            return f"{value[:40]!r}…({len(value)} chars)"
        if isinstance(value, list):
            return [cut(v) for v in value]
        if isinstance(value, tuple):
            return ("<file>", value[1])
        return repr(value)

    return "{" + ", ".join(f"{k!r}: {cut(v)}" for k, v in payload.items()) + "}"


def client_for(app, clients, role):
    """A fresh client carrying the role's session, so a fuzzed logout cannot stick."""
    client = app.test_client()
    name = app.config["SESSION_COOKIE_NAME"]
    cookie = clients[role].get_cookie(name)
    if cookie is not None:
        client.set_cookie(name, cookie.value, domain=cookie.domain, path=cookie.path)
    return client


def csrf_token(client) -> str:
    page = client.get("/profile").get_data(as_text=True)
    match = CSRF_RE.search(page) or CSRF_RE.search(client.get("/login").get_data(as_text=True))
    return match.group(1)


def fuzz_target(app, world, clients, target: Target, failures: list) -> None:
    token = csrf_token(clients[target.role])

    @FUZZ_SETTINGS
    @given(data=submissions(target.form))
    def fuzz(data):
        client = client_for(app, clients, target.role)
        payload = {**data, "csrf_token": token}
        with world.example():
            before = checksum(world.connection)
            response = client.post(
                target.url,
                data=payload,
                content_type="multipart/form-data" if target.form.multipart else None,
            )
            status = response.status_code
            assert status < 500, f"{status} from {target.url} with {shown(payload)}"
            if 400 <= status < 500:
                after = checksum(world.connection)
                allowed = RECORDED_REFUSALS.get(target.endpoint, set())
                changed = [n for n in before if before[n] != after[n] and n not in allowed]
                assert not changed, (
                    f"{status} from {target.url} but {changed} changed; sent {shown(payload)}"
                )

    try:
        with warnings.catch_warnings():  # a failing example's 60 kB value is still reported
            warnings.filterwarnings("ignore", "Generating overly large repr")
            fuzz()
    except (Exception, BaseExceptionGroup) as exc:
        failures.append(f"{target.role} POST {target.url} ({target.endpoint}):\n{exc}")


@pytest.mark.slow
def test_every_form_as_every_allowed_role(app, world, targets):
    found, clients = targets
    failures: list[str] = []
    for target in found:
        fuzz_target(app, world, clients, target, failures)
    assert not failures, f"{len(failures)} form(s) failed:\n\n" + "\n\n".join(failures)
