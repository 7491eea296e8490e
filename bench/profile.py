"""Profile the benchmark's pages: `python -m bench.profile [page name …]` on a database that
`python -m bench` filled (BENCH_DATABASE_URL as there; it is not emptied here).

For each page: the statements of one request, then PROFILE_REQUESTS (20) requests under
pyinstrument, summed: where the time goes by kind (SQL in the driver, SQLAlchemy, Jinja,
the project's own code, the rest), the functions with the most own time, and the project's
functions with the most time including what they call. docs/PERFORMANCE.md quotes these.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from bench.measure import Capture, _api_token, _app, _log_in, pages
from crm.db import get_db

KINDS = (
    ("SQL (driver)", ("sqlite3", "psycopg")),
    ("SQLAlchemy", ("sqlalchemy",)),
    ("Jinja", ("jinja2", "<template>", "templates/")),
    ("project code", ("/crm/",)),
    ("Flask/Werkzeug", ("flask", "werkzeug")),
)


def _kind(path: str) -> str:
    for name, needles in KINDS:
        if any(n in path for n in needles):
            return name
    return "other"


def _walk(frame, own, total, kinds, stack=(), parent_kind="other", parent_key="?"):
    path = frame.file_path or ""
    synthetic = not path or path.startswith("<built-in>") or frame.function == "[self]"
    if synthetic:
        driver = frame.function.startswith(("Cursor.", "Connection.", "sqlite3"))
        kind = "SQL (driver)" if driver else parent_kind
        key = frame.function if frame.function != "[self]" else parent_key
    else:
        kind = _kind(path)
        key = f"{frame.function} ({Path(frame.file_path_short or '?').name}:{frame.line_no})"
    if not frame.children:  # time is counted once, in the leaves ([self] frames included)
        own[key] += frame.time
        kinds[kind] += frame.time
    if "/crm/" in path and key not in stack:
        total[key] += frame.time
    for child in frame.children:
        _walk(child, own, total, kinds, (*stack, key), kind, key)


def profile(url: str, names: list[str], n: int, out=print) -> None:
    from pyinstrument import Profiler

    app = _app(url)
    engine = get_db(app).engine
    capture = Capture(engine)
    client = app.test_client()
    _log_in(client)
    headers = {"Authorization": f"Bearer {_api_token(app)}"}
    for page in pages(app):
        if names and page.name not in names:
            continue

        def call(page=page):
            kwargs = {"headers": headers} if page.api else {}
            if page.json is not None:
                kwargs["json"] = page.json
            return client.open(page.url, method=page.method, **kwargs)

        for _ in range(3):
            call()
        capture.start()
        call()
        statements = capture.stop()
        profiler = Profiler(interval=0.001)
        profiler.start()
        for _ in range(n):
            call()
        session = profiler.stop()
        own: dict[str, float] = defaultdict(float)
        total: dict[str, float] = defaultdict(float)
        kinds: dict[str, float] = defaultdict(float)
        root = session.root_frame()
        if root is None:
            continue
        _walk(root, own, total, kinds)
        whole = sum(kinds.values()) or 1.0
        out(f"\n## {page.name} ({len(statements)} statements; shares of the sampled time)")
        out(
            "by kind: "
            + ", ".join(
                f"{k} {v / whole:.0%}" for k, v in sorted(kinds.items(), key=lambda kv: -kv[1])
            )
        )
        out("own time:")
        for key, value in sorted(own.items(), key=lambda kv: -kv[1])[:8]:
            out(f"  {value / whole:5.1%}  {key}")
        out("project functions, with what they call:")
        for key, value in sorted(total.items(), key=lambda kv: -kv[1])[:10]:
            out(f"  {value / whole:5.1%}  {key}")
    engine.dispose()


def main(argv: list[str]) -> int:
    default_url = f"sqlite:///{Path(tempfile.gettempdir()) / 'crm-bench.sqlite3'}"
    url = os.environ.get("BENCH_DATABASE_URL") or default_url
    n = int(os.environ.get("PROFILE_REQUESTS") or 20)
    profile(url, argv, n)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
