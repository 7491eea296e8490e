"""A black-box fuzzer: it knows only what a client sees, and sends what an outsider would.

It reads /api/v1/openapi.json and builds requests for every operation from the document
alone (path ids taken from what the collections list); it logs in as each role, crawls every
page reachable from the navigation (links followed, one page per URL shape) and collects
every `<form>` there: method, action, fields and CSRF token. Then, for every operation and
form, it sends mutated requests drawn in turn from the input classes below (deep nesting,
huge numbers, other Unicode digits, `1_2`, zero and negative ids, 64-bit overflow, control
and bidi characters, very long strings, wrong JSON types, hand-made cursors, impossible
dates, empty and missing fields, duplicated parameters, wrong content types, oversized
bodies).

The oracle: never a 5xx (nor an exception out of the app), and a refused request (4xx)
leaves the row count of every table as it was. Requests go through the app's WSGI interface
(the Flask test client, as the other fuzzers), each in a transaction of the seeded world
that is rolled back afterwards (tests/fuzz/conftest.py). The tests also check that a viewer
never receives NDA content on any page, download or API read it reaches.

Deterministic: the seed is CRM_FUZZ_SEED (default 16); CRM_FUZZ_EXAMPLES requests per
(operation or form, role), default 3, so `make test` stays quick; CRM_FUZZ_EXAMPLES=40 is a
longer local run (about half an hour on two busy cores). CRM_FUZZ_REPORT=path writes every
distinct failure found, and the statuses seen, as JSON.
"""

from __future__ import annotations

import base64
import io
import json
import os
import random
import re
import traceback
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import pytest
from sqlalchemy import text

from crm.auth.demo import DEMO_PASSWORD
from crm.db import Base
from tests.fuzz.conftest import DEMO_EMAILS, ROLES

SEED = int(os.environ.get("CRM_FUZZ_SEED", "16"))
EXAMPLES = int(os.environ.get("CRM_FUZZ_EXAMPLES", "3"))
REPORT = os.environ.get("CRM_FUZZ_REPORT")
# A long string, and a body past the upload limit (MAX_CONTENT_LENGTH is 25 MB).
LONG = 70_000
OVERSIZED = 26 * 1024 * 1024
# Bookkeeping any request may write, refused or not (who is logged in, failed attempts).
VOLATILE_TABLES = {"user_sessions", "login_attempts", "alembic_version"}
# Pages that record a refused password on purpose (failed attempts are audited).
RECORDS_REFUSALS = ("/login", "/reauth", "/profile", "/portal/login")
# Never submitted: they end the crawler's own session.
SKIPPED_ACTIONS = ("/logout", "/portal/logout")
MAX_PAGES = 400

pytestmark = pytest.mark.slow

# --- the input classes -------------------------------------------------------------------


def _cursor(value: Any) -> str:
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


NUMBERS = [
    "0",
    "-1",
    "-0",
    "+1",
    "1_2",
    "²",
    "①",
    "١٢",
    "۱۲",
    "１２",
    "߁",
    "2147483648",
    "4294967296",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775809",
    "18446744073709551616",
    "9" * 40,
    "1" + "0" * 5000,
    "1e309",
    "NaN",
    "Infinity",
    "1.5",
    "0x10",
    " 1 ",
]
CONTROL = [
    "\x00",
    "a\x00b",
    "a\r\nb",
    "line\nX-Injected: 1",
    "\u202eexe.txt",
    "\u2066x\u2069",
    "\u200b",
    "\ufeff",
    "\ufffd",
    "\x1b[31m",
    "\x7f",
]
LONGS = ["x" * LONG, "é" * LONG, "🙂" * (LONG // 2), "a " * (LONG // 2)]
DATES = [
    "2026-02-30",
    "2026-02-29",
    "10000-01-01",
    "0000-01-01",
    "0001-01-01",
    "9999-12-31",
    "2026-13-01",
    "2026-1-1",
    "2026-01-01T25:61",
    "2026-W60",
    "-2026-01-01",
]
CURSORS = [
    _cursor([None]),
    _cursor([{}]),
    _cursor([True, 1]),
    _cursor([1.5, 1]),
    _cursor([[1], [2]]),
    _cursor([10**30, 1]),
    _cursor(["x", "y"]),
    _cursor([None, None]),
    _cursor({"a": 1}),
    _cursor(b"[" * 5000),
    _cursor(b"\xff\xfe"),
    "!!!",
    "A" * 3000,
    "=",
]
# Uploads: CSV past the csv module's field limit, NUL bytes, bad UTF-8, names with controls.
FILE_BODIES = [
    b"",
    b"%PDF-1.4\n%%EOF\n",
    b"\x00" * 64,
    b"\xff\xfe\xfa",
    b"\xef\xbb\xbfname,handle\r\n",
    b"a,b,c\n" + b'"' + b"x" * 140_000 + b'",1,2\n',
    b"display_name,email\nA\x00B,a@b.c\n",
    b"title,url\n" + b"\n".join(b"t%d,https://e.com/%d" % (i, i) for i in range(50)),
    b'"unclosed\n,1',
    b",".join([b"c"] * 5000) + b"\n",
    b"\x89PNG\r\n\x1a\n" + b"\x00" * 32,
]
FILE_NAMES = [
    "a.csv",
    "a.pdf",
    "a\r\nX-Evil: 1.csv",
    "\u202etxt.exe",
    "../../etc/passwd",
    "",
    "x" * 3000 + ".csv",
    "a\x00.csv",
    "ファイル.csv",
]
EMPTY = ["", " ", "null", "[]", "{}", "true"]
NESTED = "[" * 50_000 + "]" * 50_000
JSON_WRONG: list[Any] = [
    None,
    True,
    False,
    [],
    {},
    [[[]]],
    {"a": {"b": {}}},
    1.5,
    -1,
    0,
    10**30,
    2**63,
    -(2**63) - 1,
    "1",
    "x" * LONG,
    ["x"] * 1000,
]


def _nest(depth: int) -> Any:
    value: Any = []
    for _ in range(depth):
        value = [value]
    return value


# One class per example, in turn: (name, values) pairs; each value is text (pages) or JSON.
TEXT_CLASSES: list[tuple[str, list[str]]] = [
    ("numbers", NUMBERS),
    ("control", CONTROL),
    ("long", LONGS),
    ("dates", DATES),
    ("cursors", CURSORS),
    ("empty", EMPTY),
    ("nested", [NESTED, "{" * 5000]),
]

# --- the crawl ---------------------------------------------------------------------------


@dataclass
class Field:
    name: str
    kind: str
    values: list[str] = field(default_factory=list)


@dataclass
class Form:
    page: str
    method: str
    action: str
    multipart: bool
    fields: dict[str, Field] = field(default_factory=dict)

    def shape(self) -> tuple:
        return (self.method, url_shape(self.action), tuple(sorted(self.fields)))


class PageParser(HTMLParser):
    """The links (those inside <nav> apart) and the forms of a page."""

    def __init__(self, url: str):
        super().__init__(convert_charrefs=True)
        self.url = url
        self.links: list[str] = []
        self.nav_links: list[str] = []
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: Field | None = None
        self._nav = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "nav":
            self._nav += 1
        if tag == "a" and a.get("href", "").startswith("/"):
            (self.nav_links if self._nav else self.links).append(a["href"])
        if tag == "form":
            self._form = Form(
                page=self.url,
                method=(a.get("method") or "get").upper(),
                action=a.get("action") or self.url,
                multipart=a.get("enctype") == "multipart/form-data",
            )
            self.forms.append(self._form)
            return
        form, name = self._form, a.get("name")
        if tag == "option" and self._select is not None:
            self._select.values.append(a.get("value", ""))
        if form is None or not name:
            return
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "reset", "image"):
                return
            entry = form.fields.setdefault(name, Field(name, kind))
            if "value" in a:
                entry.values.append(a["value"])
        elif tag == "textarea":
            form.fields.setdefault(name, Field(name, "textarea"))
        elif tag == "select":
            self._select = form.fields.setdefault(name, Field(name, "select"))

    def handle_endtag(self, tag: str) -> None:
        if tag == "nav":
            self._nav = max(0, self._nav - 1)
        elif tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def url_shape(url: str) -> str:
    """A URL with its ids and query values taken out: pages of one shape are crawled once."""
    parts = urlsplit(url)
    path = re.sub(r"/\d+(?=/|$)", "/{id}", parts.path)
    path = re.sub(r"/[A-Za-z0-9_-]{20,}(?=/|$|\.)", "/{token}", path)
    keys = sorted({k for k, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return path + ("?" + "&".join(keys) if keys else "")


def local(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def log_in(app, email: str):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post(
        "/login", data={"email": email, "password": DEMO_PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client


def crawl(client, start: str = "/") -> tuple[list[str], list[Form], list[str]]:
    """Every page one can reach from `start` by links, one per URL shape; their forms; the
    other documents the links led to (exports, downloads, feeds)."""
    queue, shapes, pages, others = [start], set(), [], []
    forms: dict[tuple, Form] = {}
    while queue and len(pages) < MAX_PAGES:
        url = queue.pop(0)
        shape = url_shape(url)
        if shape in shapes or any(url.startswith(s) for s in SKIPPED_ACTIONS):
            continue
        shapes.add(shape)
        response = client.get(url)
        if response.status_code == 200 and "html" not in (response.content_type or ""):
            others.append(url)
        if response.status_code != 200 or "html" not in (response.content_type or ""):
            continue
        pages.append(url)
        parser = PageParser(url)
        parser.feed(response.get_data(as_text=True))
        # Navigation first, so the whole app is reached before the depths of one section.
        queue[:0] = [local(link) for link in parser.nav_links if url_shape(link) not in shapes]
        queue.extend(local(link) for link in parser.links)
        for form in parser.forms:
            form.action = local(form.action)
            if any(form.action.startswith(s) for s in SKIPPED_ACTIONS):
                continue
            forms.setdefault(form.shape(), form)
    return pages, list(forms.values()), others


# --- the oracle ---------------------------------------------------------------------------


def row_counts(connection) -> dict[str, int]:
    names = [t.name for t in Base.metadata.sorted_tables if t.name not in VOLATILE_TABLES]
    quote_name = connection.dialect.identifier_preparer.quote
    sql = " UNION ALL ".join(
        f"SELECT '{n}', COUNT(*) FROM {quote_name(n)}"  # noqa: S608 - names from metadata
        for n in names
    )
    return dict(connection.execute(text(sql)).all())


@dataclass
class Failure:
    key: str
    detail: str


@dataclass
class Findings:
    failures: dict[str, Failure] = field(default_factory=dict)
    requests: int = 0
    statuses: dict[int, int] = field(default_factory=dict)

    def add(self, key: str, detail: str) -> None:
        self.failures.setdefault(key, Failure(key, detail))


def _where(exc: BaseException) -> str:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "/crm/" in f.filename]
    frame = frames[-1] if frames else traceback.extract_tb(exc.__traceback__)[-1]
    return f"{type(exc).__name__} at {frame.filename.rsplit('/crm/', 1)[-1]}:{frame.lineno}"


def _cut(value: Any) -> str:
    shown = repr(value)
    return shown if len(shown) < 160 else f"{shown[:120]}…({len(shown)} chars)"


def send(world, findings: Findings, client, method: str, url: str, label: str, **kwargs) -> None:
    """One request in a rolled-back transaction, checked against the oracle."""
    findings.requests += 1
    what = f"{method} {url_shape(url.split('?')[0])}"
    with world.example():
        before = row_counts(world.connection)
        try:
            response = client.open(url, method=method, **kwargs)
        except Exception as exc:  # the app let an exception out (TESTING propagates them)
            if not any("/crm/" in f.filename for f in traceback.extract_tb(exc.__traceback__)):
                raise  # the fuzzer's own mistake
            findings.add(f"{what} {_where(exc)}", f"{label}: {method} {_cut(url)} {_cut(kwargs)}")
            return
        status = response.status_code
        findings.statuses[status] = findings.statuses.get(status, 0) + 1
        if status >= 500:
            findings.add(
                f"{what} {status}", f"{label}: {method} {_cut(url)} {_cut(kwargs)} → {status}"
            )
        elif 400 <= status < 500:
            after = row_counts(world.connection)
            changed = sorted(n for n in before if before[n] != after.get(n))
            if changed and not (
                changed == ["audit_events"] and urlsplit(url).path in RECORDS_REFUSALS
            ):
                findings.add(
                    f"{what} {status} changed {changed}",
                    f"{label}: {method} {_cut(url)} {_cut(kwargs)} → {status}",
                )


def rng_for(*parts: object) -> random.Random:
    return random.Random(zlib.crc32(repr((SEED, *parts)).encode()))


# --- pages and forms ---------------------------------------------------------------------


def _form_value(f: Field) -> str:
    if f.values:
        return f.values[0]
    if f.kind in ("date",):
        return "2026-03-02"
    if f.kind in ("number",):
        return "1"
    if f.kind == "email":
        return "fuzz@example.com"
    return "fuzz"


def form_cases(form: Form, rng: random.Random) -> Iterator[tuple[str, dict]]:
    """(label, request arguments) for one form: one input class per example, in turn."""
    names = [n for n, f in form.fields.items() if n != "csrf_token" and f.kind != "file"]
    baseline = {n: _form_value(f) for n, f in form.fields.items() if f.kind != "file"}
    files = [n for n, f in form.fields.items() if f.kind == "file"]
    classes: list[Callable[[], tuple[str, Any]]] = [
        *[(lambda c=c: c) for c in TEXT_CLASSES],
        lambda: ("missing", None),
        lambda: ("duplicated", None),
        lambda: ("content-type", None),
        lambda: ("oversized", None),
    ]
    offset = rng.randrange(len(classes))
    for i in range(EXAMPLES):
        name, values = classes[(offset + i) % len(classes)]()
        data: Any = dict(baseline)
        extra: dict = {}
        target = rng.choice(names) if names else None
        if values is not None and target:
            data[target] = rng.choice(values)
        elif name == "missing":
            for n in rng.sample(names, k=min(len(names), rng.randint(1, 3))):
                data.pop(n, None)
        elif name == "duplicated" and target:
            data = [*data.items(), (target, rng.choice(NUMBERS + DATES + CONTROL))]
        elif name == "content-type":
            extra = {
                "data": rng.choice([json.dumps(baseline), b"\xff\xfe\x00", NESTED]),
                "content_type": rng.choice(
                    ["application/json", "text/plain", "multipart/form-data", "x/y; a=\x00"]
                ),
            }
        elif name == "oversized":
            extra = {
                "data": b"a=" + b"x" * OVERSIZED,
                "content_type": "application/x-www-form-urlencoded",
            }
        label = f"{name} {target or ''}".strip()
        if extra:
            yield label, extra
            continue
        if form.method == "GET":
            pairs = data if isinstance(data, list) else list(data.items())
            yield label, {"query_string": urlencode(pairs)}
            continue
        if files:
            pairs = data if isinstance(data, list) else list(data.items())
            payload: dict = {}
            for k, v in pairs:
                payload.setdefault(k, []).append(v)
            for n in files:
                payload[n] = (io.BytesIO(rng.choice(FILE_BODIES)), rng.choice(FILE_NAMES))
            yield label, {"data": payload, "content_type": "multipart/form-data"}
        else:
            yield (
                label,
                {
                    "data": urlencode(data if isinstance(data, list) else list(data.items())),
                    "content_type": "application/x-www-form-urlencoded",
                },
            )


def page_cases(url: str, rng: random.Random) -> Iterator[tuple[str, str]]:
    """A crawled page's URL with one id or query value mutated."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    ids = list(re.finditer(r"(?<=/)\d+(?=/|$)", parts.path))
    pool = NUMBERS + DATES + CONTROL + CURSORS
    for i in range(EXAMPLES):
        value = rng.choice(pool)
        if ids and (i % 2 == 0 or not query):
            m = rng.choice(ids)
            path = parts.path[: m.start()] + quote(value, safe="") + parts.path[m.end() :]
            yield "path id", path + (f"?{parts.query}" if parts.query else "")
        elif query:
            k = rng.randrange(len(query))
            mutated = [*query[:k], (query[k][0], value), *query[k + 1 :]]
            yield f"query {query[k][0]}", parts.path + "?" + urlencode(mutated)
        else:
            key = rng.choice(["cursor", "page", "limit", "sort", "q", "status", "creator_id"])
            yield f"query {key}", parts.path + "?" + urlencode([(key, value), (key, "1")])


def session_client(app, client):
    """A fresh client with the role's cookies, so a fuzzed logout cannot stick."""
    fresh = app.test_client()
    for cookie in client._cookies.values():
        fresh.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)
    return fresh


@pytest.fixture(scope="module")
def crawled(app, world):
    """Per role (None: not logged in): its logged-in client, the pages and forms it reaches."""
    result = {None: (app.test_client(), *crawl(app.test_client(), "/login"))}
    for role in ROLES:
        client = log_in(app, DEMO_EMAILS[role])
        result[role] = (client, *crawl(client))
    return result


def _report(findings: Findings, kind: str) -> str:
    if REPORT:
        existing = {}
        if os.path.exists(REPORT):
            with open(REPORT) as fh:
                existing = json.load(fh)
        existing[kind] = {
            "requests": findings.requests,
            "statuses": {str(k): v for k, v in sorted(findings.statuses.items())},
            "failures": {f.key: f.detail for f in findings.failures.values()},
        }
        with open(REPORT, "w") as fh:
            json.dump(existing, fh, indent=1, ensure_ascii=False)
    lines = [f"{f.key}\n    {f.detail}" for f in findings.failures.values()]
    return f"{len(lines)} distinct failure(s) in {findings.requests} requests:\n" + "\n".join(lines)


def test_every_page_and_form_as_every_role(app, world, crawled):
    findings = Findings()
    for role, (client, pages, forms, _others) in crawled.items():
        if role is not None:
            assert len(pages) > 20, f"{role} reached only {pages}"
            assert len(forms) > 5, f"{role} found only {len(forms)} forms"
        for url in pages:
            for label, mutated in page_cases(url, rng_for("page", role, url_shape(url))):
                send(
                    world, findings, session_client(app, client), "GET", mutated, f"{role} {label}"
                )
        for form in forms:
            page = client.get(form.page).get_data(as_text=True)
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
            for label, kwargs in form_cases(form, rng_for("form", role, form.shape())):
                data = kwargs.get("data")
                if token and isinstance(data, str) and "csrf_token" in form.fields:
                    pairs = [
                        (k, token.group(1) if k == "csrf_token" else v)
                        for k, v in parse_qsl(data, keep_blank_values=True)
                    ]
                    kwargs = {**kwargs, "data": urlencode(pairs)}
                elif token and isinstance(data, dict) and "csrf_token" in data:
                    data["csrf_token"] = [token.group(1)]
                send(
                    world,
                    findings,
                    session_client(app, client),
                    form.method,
                    urlsplit(form.action).path if "query_string" in kwargs else form.action,
                    f"{role} {label}",
                    **kwargs,
                )
    assert not findings.failures, _report(findings, "pages")
    _report(findings, "pages")


# --- the API -----------------------------------------------------------------------------


@dataclass
class Operation:
    method: str
    path: str
    parameters: list[dict]
    body: dict | None  # the JSON schema of the request body


def resolve(spec: dict, schema: Any, depth: int = 0) -> Any:
    if isinstance(schema, dict) and "$ref" in schema and depth < 20:
        node: Any = spec
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part]
        return resolve(spec, node, depth + 1)
    return schema


def example(spec: dict, schema: Any, name: str, ids: dict, depth: int = 0) -> Any:
    """A plausible value for a schema, from the document alone."""
    schema = resolve(spec, schema) or {}
    if depth > 6:
        return None
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [resolve(spec, s) for s in schema[key]]
            options = [s for s in options if s.get("type") != "null"] or options
            return example(spec, options[0], name, ids, depth + 1)
    if "enum" in schema:
        return schema["enum"][0]
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        return {k: example(spec, v, k, ids, depth + 1) for k, v in props.items()}
    if kind == "array":
        return [example(spec, schema.get("items", {}), name.removesuffix("s"), ids, depth + 1)]
    if kind == "integer":
        known = ids.get(name) or ids.get(name.removesuffix("_id"))
        return known[0] if known else 1
    if kind == "number":
        return 1
    if kind == "boolean":
        return True
    fmt = schema.get("format")
    return {
        "date": "2026-03-02",
        "date-time": "2026-03-02T10:00:00Z",
        "email": "fuzz@example.com",
        "uri": "https://example.com/",
    }.get(fmt, "fuzz")


def operations(spec: dict) -> list[Operation]:
    result = []
    for path, item in sorted(spec["paths"].items()):
        shared = item.get("parameters", [])
        for method, op in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            params = [resolve(spec, p) for p in shared + op.get("parameters", [])]
            body = None
            content = resolve(spec, op.get("requestBody", {})).get("content", {})
            if "application/json" in content:
                body = resolve(spec, content["application/json"].get("schema", {}))
            result.append(Operation(method.upper(), path, params, body))
    return result


def harvest_ids(client, spec: dict, headers: dict) -> dict[str, list]:
    """Ids of records that exist, read from each collection a client may list: top-level
    collections first, then those nested under a record found there (a licence's payouts)."""
    ids: dict[str, list] = {}
    for depth in (0, 1, 2):
        for path, item in spec["paths"].items():
            if path.count("{") != depth or "get" not in item or path.endswith("}"):
                continue
            name = path.rstrip("/").rsplit("/", 1)[-1]
            if name in ids:
                continue
            declared = item.get("parameters", []) + item["get"].get("parameters", [])
            op = Operation("GET", path, [resolve(spec, p) for p in declared], None)
            url = spec_base(spec) + path
            for key, value in fill_path(op, ids).items():
                url = url.replace("{" + key + "}", value)
            response = client.get(url, headers=headers)
            if response.status_code != 200 or not response.is_json:
                continue
            payload = response.get_json()
            items = (
                payload.get("items", payload.get("data")) if isinstance(payload, dict) else payload
            )
            if isinstance(items, list):
                found = [
                    i["id"] for i in items if isinstance(i, dict) and isinstance(i.get("id"), int)
                ]
                if found:
                    ids[name] = found
    return ids


def spec_base(spec: dict) -> str:
    servers = spec.get("servers") or [{"url": "/api/v1"}]
    return urlsplit(servers[0]["url"]).path.rstrip("/")


def fill_path(op: Operation, ids: dict[str, list]) -> dict[str, str]:
    values = {}
    segments = op.path.strip("/").split("/")
    for p in op.parameters:
        if p.get("in") != "path":
            continue
        name = p["name"]
        before = (
            segments[segments.index("{" + name + "}") - 1] if "{" + name + "}" in segments else ""
        )
        known = ids.get(before) or ids.get(name.removesuffix("_id") + "s") or []
        values[name] = str(known[0]) if known else "1"
    return values


def api_cases(
    spec, op: Operation, rng: random.Random, ids: dict
) -> Iterator[tuple[str, str, dict]]:
    """(label, url, request arguments) for one operation; one input class per example."""
    path_values = fill_path(op, ids)
    query = {p["name"]: p for p in op.parameters if p.get("in") == "query"}
    body = example(spec, op.body, "", ids) if op.body is not None else None
    classes = [
        *(n for n, _ in TEXT_CLASSES),
        "wrong-type",
        "nesting",
        "missing",
        "duplicated",
        "content-type",
        "oversized",
        "huge-number",
    ]
    offset = rng.randrange(len(classes))
    for i in range(EXAMPLES):
        kind = classes[(offset + i) % len(classes)]
        path = dict(path_values)
        params: list[tuple[str, str]] = [
            (n, str(example(spec, p.get("schema", {}), n, ids)))
            for n, p in query.items()
            if p.get("required")
        ]
        payload: Any = json.loads(json.dumps(body)) if body is not None else None
        raw: bytes | str | None = None
        content_type = "application/json"
        spots = [("path", n) for n in path] + [("query", n) for n in query]
        if isinstance(payload, dict):
            spots += [("body", k) for k in payload]
        spot = rng.choice(spots) if spots else ("body", None)
        values = dict(TEXT_CLASSES).get(kind)
        if kind == "cursors" and "cursor" in query:
            spot = ("query", "cursor")
        if values is not None or kind in ("wrong-type", "huge-number"):
            if kind == "wrong-type":
                value: Any = rng.choice(JSON_WRONG)
            elif kind == "huge-number":
                value = rng.choice([10**30, 2**63, 2**31, -(2**63) - 1, 1e308, "1" + "0" * 50])
            else:
                value = rng.choice(values)
            where, name = spot
            if where == "path":
                path[name] = quote(str(value), safe="")[:3000]
            elif where == "query":
                params.append((name, value if isinstance(value, str) else json.dumps(value)))
            elif isinstance(payload, dict) and name:
                payload[name] = value
            else:
                payload = value
        elif kind == "nesting":
            raw = rng.choice([NESTED, '{"a":' * 20_000 + "1" + "}" * 20_000])
            if isinstance(payload, dict) and payload and rng.random() < 0.5:
                key = rng.choice(list(payload))
                raw = json.dumps({**payload, key: "§"}).replace('"§"', NESTED)
        elif kind == "missing" and isinstance(payload, dict) and payload:
            for k in rng.sample(list(payload), k=min(len(payload), rng.randint(1, 3))):
                payload.pop(k)
        elif kind == "missing":
            payload, raw = None, ""
        elif kind == "duplicated":
            if query:
                name = rng.choice(list(query))
                params += [(name, "1"), (name, rng.choice(NUMBERS + CURSORS))]
            if isinstance(payload, dict) and payload:
                key = rng.choice(list(payload))
                raw = json.dumps(payload)[:-1] + f', "{key}": {json.dumps(rng.choice(NUMBERS))}}}'
        elif kind == "content-type":
            content_type = rng.choice(
                [
                    "text/plain",
                    "application/x-www-form-urlencoded",
                    "multipart/form-data",
                    "application/json; charset=latin-1",
                    "application/json",
                ]
            )
            raw = rng.choice([json.dumps(payload), b"\xff\xfe{}", b"a=1&b=2", b"{", b""])
        elif kind == "oversized":
            raw = b'{"a": "' + b"x" * OVERSIZED + b'"}'
        url = spec_base(spec) + op.path
        for name, value in path.items():
            url = url.replace("{" + name + "}", value)
        if params:
            url += "?" + urlencode(params)
        kwargs: dict = {}
        if op.method in ("POST", "PUT", "PATCH") or raw is not None:
            if raw is None:
                raw = json.dumps(payload)
            kwargs = {"data": raw, "content_type": content_type}
        yield f"{kind} {spot[1] or ''}".strip(), url, kwargs


@pytest.fixture(scope="module")
def api_spec(app, world):
    response = app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


@pytest.mark.parametrize("role", ROLES)
def test_every_api_operation_as_every_role(app, world, api_spec, role):
    findings = Findings()
    headers = {"Authorization": f"Bearer {world.tokens[role]}"}
    client = app.test_client()
    ids = harvest_ids(client, api_spec, headers)
    ops = operations(api_spec)
    assert len(ops) > 50
    for op in ops:
        for label, url, kwargs in api_cases(
            api_spec, op, rng_for("api", role, op.method, op.path), ids
        ):
            send(
                world,
                findings,
                client,
                op.method,
                url,
                f"{role} {label}",
                headers=headers,
                **kwargs,
            )
    assert not findings.failures, _report(findings, f"api {role}")
    _report(findings, f"api {role}")


# --- what a viewer receives ---------------------------------------------------------------


def test_a_viewer_never_receives_nda_terms_on_any_path(app, world, api_spec, crawled):
    """Every page, download and API read a viewer reaches, with every NDA holding terms."""
    client, pages, _forms, others = crawled["viewer"]
    headers = {"Authorization": f"Bearer {world.tokens['viewer']}"}
    api = app.test_client()
    ids = harvest_ids(api, api_spec, {"Authorization": f"Bearer {world.tokens['admin']}"})
    with world.example():
        nda_ids = list(world.connection.scalars(text("SELECT id FROM ndas ORDER BY id")))
        assert nda_ids
        for nda_id in nda_ids:
            world.connection.execute(
                text("UPDATE ndas SET terms = :t WHERE id = :i"),
                {"t": f"Sealed clause {nda_id} of the NDA", "i": nda_id},
            )
        seen: list[tuple[str, str]] = []
        for url in pages + others:
            seen.append((url, client.get(url).get_data(as_text=True)))
        for op in operations(api_spec):
            if op.method != "GET":
                continue
            filled = [fill_path(op, ids)]
            if any(p.get("in") == "path" and p["name"] == "nda_id" for p in op.parameters):
                filled = [{**filled[0], "nda_id": str(i)} for i in nda_ids]
            for values in filled:
                url = spec_base(api_spec) + op.path
                for name, value in values.items():
                    url = url.replace("{" + name + "}", value)
                seen.append((url, api.get(url, headers=headers).get_data(as_text=True)))
    assert len(seen) > 50
    leaks = [
        url
        for url, body in seen
        if "Sealed clause" in body or ('"has_document"' in body and "openapi" not in url)
    ]
    assert not leaks, f"NDA content reached a viewer at {leaks}"
