"""Time the main pages through the real WSGI app, and each page's ceiling beside it.

For every page: a few warm-up requests, then N timed requests through Flask's test client as
a logged-in admin (the role that sees every navigation entry and section), p50 and p95 of the
wall time of the WSGI call. An engine listener records the SQL statements of one request.

The ceiling of a page is what the stack costs with no application code:
- a bare Flask app whose only route renders a trivial template that outputs a string as long
  as the page's body (same Jinja, same response path, same size), and
- the page's own SQL statements, captured with their parameters during one request and
  replayed on a raw DBAPI connection (fetching every row), inside a rolled-back transaction.
`ratio` is (ceiling + SQL) / page: the share of the ceiling's throughput the page reaches.
"""

from __future__ import annotations

import json
import math
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask, render_template_string
from sqlalchemy import event, func, select

from bench.generate import ADMIN_EMAIL, BENCH_PASSWORD
from crm import create_app
from crm.db import get_db

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")
WARMUP = 3


@dataclass
class Page:
    name: str
    url: str
    method: str = "GET"
    json: dict | None = None
    api: bool = False


@dataclass
class Result:
    name: str
    status: int
    bytes: int
    p50_ms: float
    p95_ms: float
    queries: int
    ceiling_p50_ms: float
    sql_p50_ms: float
    statements: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return (self.ceiling_p50_ms + self.sql_p50_ms) / self.p50_ms if self.p50_ms else 0.0

    def as_json(self) -> dict:
        return {
            "name": self.name,
            "p50_ms": self.p50_ms,
            "p95_ms": self.p95_ms,
            "queries": self.queries,
            "ceiling_p50_ms": self.ceiling_p50_ms,
            "sql_p50_ms": self.sql_p50_ms,
            "ratio": round(self.ratio, 2),
            "status": self.status,
            "bytes": self.bytes,
        }


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = max(0, math.ceil(p / 100 * len(ordered)) - 1)
    return ordered[index]


class Capture:
    """Records (statement, parameters, executemany) sent to the engine while `on`."""

    def __init__(self, engine):
        self.on = False
        self.calls: list[tuple[str, object, bool]] = []
        event.listen(engine, "before_cursor_execute", self._before)

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        if self.on and not statement.lstrip().upper().startswith(TRANSACTION_CONTROL):
            self.calls.append((statement, parameters, executemany))

    def start(self):
        self.calls = []
        self.on = True

    def stop(self):
        self.on = False
        return list(self.calls)


def _app(url: str) -> Flask:
    files = Path(tempfile.mkdtemp(prefix="crm-bench-files-"))
    return create_app(
        {
            "ENV_NAME": "testing",
            "TESTING": False,
            "DATABASE_URL": url,
            "UPLOAD_DIR": str(files / "uploads"),
            "CRM_MAIL_DIR": str(files / "mail"),
            "CRM_BASE_URL": "http://crm.bench",
            "CRM_SCHEDULER": "off",
        }
    )


def _log_in(client) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = CSRF_RE.search(page).group(1)
    response = client.post(
        "/login", data={"email": ADMIN_EMAIL, "password": BENCH_PASSWORD, "csrf_token": token}
    )
    if response.status_code != 302:
        raise RuntimeError(f"benchmark login failed: {response.status_code}")


def _api_token(app) -> str:
    from crm.auth.models import User
    from crm.auth.services import create_token

    with app.app_context():
        from crm.db import session_scope

        with session_scope(app) as session:
            user = session.scalar(select(User).where(User.email == ADMIN_EMAIL))
            _token, raw = create_token(session, user, user, "benchmark")
    return raw


def pages(app) -> list[Page]:
    """The pages measured, with ids picked from the data (the busiest rows)."""
    from crm.approvals.models import Submission
    from crm.common.pagination import encode_cursor
    from crm.creators.models import Creator
    from crm.licensing.models import Work

    engine = get_db(app).engine
    with engine.connect() as conn:
        busiest = conn.execute(
            select(Submission.creator_id)
            .group_by(Submission.creator_id)
            .order_by(func.count().desc(), Submission.creator_id)
            .limit(1)
        ).scalar_one()
        review_id = conn.execute(
            select(Submission.id)
            .where(Submission.status == "in_review")
            .order_by(Submission.latest_revision.desc(), Submission.id)
            .limit(1)
        ).scalar_one()
        live = conn.execute(
            select(func.count()).select_from(Creator).where(Creator.archived.is_(False))
        ).scalar_one()
        deep = conn.execute(
            select(Creator.search_name, Creator.id)
            .where(Creator.archived.is_(False))
            .order_by(Creator.search_name, Creator.id)
            .offset(int(live * 0.8))
            .limit(1)
        ).one()
        works = conn.execute(select(Work.url, Work.sha256).order_by(Work.id).limit(7000)).all()
    cursor = encode_cursor([deep[0], deep[1]])
    items = [{"url": u.upper().replace("HTTPS://MEDIA", "https://Media")} for u, _ in works[:5000]]
    items += [{"sha256": h} for _, h in works[5000:7000]]
    n = 0
    while len(items) < 10_000:
        items.append({"url": f"https://nowhere.example.com/{n}"})
        n += 1
    return [
        Page("creator list", "/creators/"),
        Page(
            "creator list, filtered",
            "/creators/?status=active&platform=youtube&country=US&sort=followers",
        ),
        Page("creator list, searched", "/creators/?q=creator%2000123"),
        Page("creator list, deep cursor", f"/creators/?cursor={cursor}"),
        Page("creator page", f"/creators/{busiest}"),
        Page("creator page, timeline", f"/creators/{busiest}?tab=timeline"),
        Page("review queue", "/review/"),
        Page("review page", f"/review/{review_id}"),
        Page("agreements expiring", "/agreements/"),
        Page("feedback report", "/feedback/products/1/report"),
        Page("home dashboard", "/"),
        Page("api creators", "/api/v1/creators", api=True),
        Page("api submissions", "/api/v1/submissions", api=True),
        Page(
            "api consent check 10k",
            "/api/v1/consent/check",
            method="POST",
            json={"use": "ai_training", "items": items},
            api=True,
        ),
    ]


def _ceiling_app() -> Flask:
    bare = Flask("ceiling")

    @bare.get("/")
    def page():
        return render_template_string(
            "{% autoescape false %}{{ body }}{% endautoescape %}", body=bare.config["BODY"]
        )

    return bare


def _time(call, n: int) -> list[float]:
    for _ in range(WARMUP):
        call()
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def _replay(engine, calls, n: int) -> list[float]:
    """Run the captured statements raw, fetching every row, in a rolled-back transaction."""
    raw = engine.raw_connection()
    sqlite = engine.dialect.name == "sqlite"
    try:

        def run():
            cursor = raw.cursor()
            if sqlite:
                cursor.execute("BEGIN")
            try:
                for statement, params, many in calls:
                    if many:
                        cursor.executemany(statement, params)
                    else:
                        cursor.execute(statement, params)
                    if cursor.description is not None:
                        cursor.fetchall()
            finally:
                raw.rollback() if not sqlite else cursor.execute("ROLLBACK")
                cursor.close()

        return _time(run, n)
    finally:
        raw.close()


def measure(url: str, n: int = 50, log=print) -> list[Result]:
    app = _app(url)
    engine = get_db(app).engine
    capture = Capture(engine)
    client = app.test_client()
    _log_in(client)
    token = _api_token(app)
    headers = {"Authorization": f"Bearer {token}"}
    bare = _ceiling_app()
    bare_client = bare.test_client()
    results = []
    for page in pages(app):

        def call(page=page):
            kwargs = {"headers": headers} if page.api else {}
            if page.json is not None:
                kwargs["json"] = page.json
            return client.open(page.url, method=page.method, **kwargs)

        capture.start()
        response = call()
        calls = capture.stop()
        body = response.get_data(as_text=True)
        if response.status_code != 200:
            raise RuntimeError(f"{page.name}: {response.status_code} {body[:500]}")
        samples = _time(call, n)
        bare.config["BODY"] = body
        ceiling = _time(lambda: bare_client.get("/"), n)
        sql = _replay(engine, calls, n)
        result = Result(
            name=page.name,
            status=response.status_code,
            bytes=len(response.get_data()),
            p50_ms=round(percentile(samples, 50), 2),
            p95_ms=round(percentile(samples, 95), 2),
            queries=len(calls),
            ceiling_p50_ms=round(percentile(ceiling, 50), 2),
            sql_p50_ms=round(percentile(sql, 50), 2),
            statements=[c[0] for c in calls],
        )
        log(_row(result))
        results.append(result)
    engine.dispose()
    return results


HEADER = (
    f"{'page':<28} {'p50 ms':>8} {'p95 ms':>8} {'SQL':>4} {'ceil ms':>8} {'sql ms':>8} {'ratio':>6}"
)


def _row(r: Result) -> str:
    return (
        f"{r.name:<28} {r.p50_ms:>8.2f} {r.p95_ms:>8.2f} {r.queries:>4} "
        f"{r.ceiling_p50_ms:>8.2f} {r.sql_p50_ms:>8.2f} {r.ratio:>6.0%}"
    )


def table(results: list[Result]) -> str:
    return "\n".join([HEADER, "-" * len(HEADER), *(_row(r) for r in results)])


def write_json(
    path: Path, scale: str, database: str, generate_s, results: list[Result], **extra
) -> None:
    payload = {
        "scale": scale,
        "database": database,
        "generate_s": generate_s,
        "pages": [r.as_json() for r in results],
        **extra,
    }
    path.write_text(json.dumps(payload, indent=2) + "\n")
