"""`make load`: the app under gunicorn against PostgreSQL on loopback, N concurrent clients.

    .venv/bin/python load/run.py [--clients 16] [--duration 60] [--workers 4] [--threads 4]
                                 [--think 0] [--database-url postgresql://postgres@127.0.0.1:5432/crm_load]

Steps: (re)create the load database (it is dropped first: never point this at real data),
migrate it, seed users, 2,000 creators with channels and a few products; start gunicorn
(production settings, a random SECRET_KEY) on a free loopback port; run the clients for the
given time; stop gunicorn; print request counts, errors, latency percentiles per kind and
overall, and exit 1 when any request failed.

Each client is a thread with its own HTTP client (`http.client`, a new connection per
request), logged in through the login form as its own legal user, plus an API token of the
shared manager. Every iteration picks one action by weight:
- list:      GET /creators/ (a list page, sometimes filtered or searched)
- creator:   GET /creators/<id> (a creator page with every domain's sections)
- queue:     GET /review/ (legal's review queue)
- write:     POST /api/v1/creators/<id>/interactions (API write)
- submit:    POST /api/v1/submissions (API write; the submission goes to review)
- decision:  GET /review/<id> then POST its decision form (CSRF token from the page), on a
             submission this client created, so two clients never race for the same one.
Only 2xx and the expected redirects (302/303) count as success; anything else is an error.

`--think S` makes each client pause a random time (exponential, mean S seconds) after every
request, as a person reading the page would; 0 (the default) sends the next request at once,
which measures how many requests the box can serve, not how a team of people feels it. The
run also reports the CPU seconds the server (gunicorn and its workers), PostgreSQL and the
clients used, so a figure can be read against the two cores they share.
Bounds: at most 64 clients and 600 seconds; each request times out after 30 s.
"""

from __future__ import annotations

import argparse
import http.client
import json as json_module
import os
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "load test passphrase 2026"  # noqa: S105 (a throwaway database's users)
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
COOKIE = "__Host-crm_session"
WEIGHTS = {"list": 25, "creator": 30, "queue": 10, "write": 15, "submit": 10, "decision": 10}
MAX_CLIENTS = 64
MAX_DURATION = 600
CREATORS = 2000


# --- database --------------------------------------------------------------------------------


def recreate_database(url: str) -> None:
    parsed = make_url(url)
    name = parsed.database
    if not name or not re.fullmatch(r"[a-z_][a-z0-9_]*", name) or "load" not in name:
        raise SystemExit(f"refusing to recreate {name!r}: the load database's name holds 'load'")
    server = create_engine(
        parsed.set(drivername="postgresql+psycopg", database="postgres"),
        isolation_level="AUTOCOMMIT",
    )
    with server.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
        # The setting docs/OPERATIONS.md asks of a production server on SSD storage: with
        # the default of 4 the planner scans the creators and their channels whole rather
        # than by index on every list page.
        conn.execute(text(f'ALTER DATABASE "{name}" SET random_page_cost = 1.1'))
    server.dispose()


def seed(url: str, clients: int) -> dict:
    from crm import create_app
    from crm.agreements.models import Product
    from crm.auth.models import User
    from crm.auth.services import create_token, hash_password
    from crm.creators.models import Account, Creator
    from crm.db import get_db, session_scope
    from crm.migrate import upgrade

    upgrade(url)
    app = create_app({"ENV_NAME": "testing", "DATABASE_URL": url})
    password_hash = hash_password(PASSWORD)
    with session_scope(app) as s:
        manager = User(
            email="load-manager@example.test",
            name="Load Manager",
            role="manager",
            password_hash=password_hash,
        )
        reviewers = [
            User(
                email=f"load-legal{i}@example.test",
                name=f"Load Legal {i}",
                role="legal",
                password_hash=password_hash,
            )
            for i in range(clients)
        ]
        s.add_all([manager, *reviewers])
        s.flush()
        s.add_all(Product(name=f"Model {n}", aliases=[]) for n in range(5))
        creators = [
            Creator(
                display_name=f"Creator {n:04d}",
                search_name=f"creator {n:04d}",
                email=f"creator{n}@example.test",
                country=random.choice(["US", "GB", "DE", "SE", "JP"]),
                status=random.choice(["prospect", "contacted", "active"]),
                owner_id=manager.id,
                notes="",
                tags=[],
            )
            for n in range(CREATORS)
        ]
        s.add_all(creators)
        s.flush()
        s.add_all(
            Account(
                creator_id=c.id,
                platform="youtube",
                handle=f"channel{c.id}",
                handle_key=f"channel{c.id}",
                followers=random.randint(1_000, 2_000_000),
            )
            for c in creators
        )
        _token, raw = create_token(s, manager, manager, "load")
        ids = [c.id for c in creators]
        emails = [r.email for r in reviewers]
    engine = get_db(app).engine
    # Statistics and a visibility map, as a database in use has from autovacuum: without
    # them the planner takes the freshly loaded tables for empty and scans creators and
    # channels whole on every list page (4.8 million rows read in one 60 s run).
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
    engine.dispose()
    return {"token": raw, "creator_ids": ids, "reviewers": emails}


# --- server ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(url: str, port: int, workers: int, threads: int, logdir: Path):
    env = {
        **os.environ,
        "CRM_ENV": "production",
        "SECRET_KEY": secrets.token_hex(32),
        "DATABASE_URL": url,
        "UPLOAD_DIR": str(logdir / "uploads"),
        "CRM_MAIL_DIR": str(logdir / "mail"),
        "CRM_BASE_URL": f"http://127.0.0.1:{port}",
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    log = open(logdir / "gunicorn.log", "w")
    process = subprocess.Popen(  # noqa: S603 (our own binary and arguments)
        [
            str(gunicorn),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--timeout",
            "60",
            # Longer than a client's pause between two requests on one connection: with the
            # 2 s default, the server may close a kept-alive connection just as a client
            # sends on it ("connection reset"), which no browser behind a proxy would see.
            "--keep-alive",
            "75",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if Browser(f"http://127.0.0.1:{port}").request("GET", "/healthz").status_code == 200:
                return process, log
        except (OSError, http.client.HTTPException):
            pass
        if process.poll() is not None:
            break
        time.sleep(0.2)
    process.kill()
    raise SystemExit(f"gunicorn did not start; see {logdir / 'gunicorn.log'}")


def cpu_seconds(pids: list[int]) -> float:
    """User plus system CPU time of the given processes, read from /proc (Linux)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / ticks


def process_tree(root: int) -> list[int]:
    """The process and its children (gunicorn's master and workers)."""
    pids = [root]
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == root:
            pids.append(int(entry.name))
    return pids


def named_processes(name: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == name:
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


# --- clients ---------------------------------------------------------------------------------


@dataclass
class Reply:
    """What a client reads of a response: its status, body and the session cookie it set."""

    status_code: int
    body: bytes
    cookies: list[str]

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self):
        return json_module.loads(self.body)


class Browser:
    """An HTTP client that keeps the `__Host-` session cookie over plain loopback http
    (a real browser only sends it over https; the server cannot tell the difference).

    Built on the standard library's `http.client`, not requests: the clients share the two
    cores with the server and the database, and every millisecond of CPU a client spends
    building a request is a millisecond the server does not get. requests cost 1.15 ms of
    CPU per request here (7.5 of 120 CPU seconds in a run with 2 workers), which alone kept
    the 2-worker figure from showing what a second worker adds."""

    def __init__(self, base: str):
        parts = urlsplit(base)
        self.host, self.port = parts.hostname, parts.port
        self.cookie: str | None = None

    def request(
        self,
        method: str,
        path: str,
        *,
        headers: dict[str, str] | None = None,
        data: dict[str, str] | None = None,
        json: object = None,
    ) -> Reply:
        headers = dict(headers or {})
        # A kept-alive connection stays with the gunicorn worker that accepted it, so with
        # few long-lived client connections one worker may serve most of them while another
        # idles (throughput with 2 workers varied from 1.0x to 1.7x of 1 worker from run to
        # run). A new connection per request lets whichever worker is free accept it, as a
        # load balancer spreading requests would.
        headers["Connection"] = "close"
        if self.cookie and "Authorization" not in headers:
            headers["Cookie"] = f"{COOKIE}={self.cookie}"
        body = None
        if data is not None:
            body = urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif json is not None:
            body = json_module.dumps(json).encode()
            headers["Content-Type"] = "application/json"
        connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            connection.request(method, path.replace(" ", "%20"), body=body, headers=headers)
            response = connection.getresponse()
            reply = Reply(
                response.status, response.read(), response.headers.get_all("Set-Cookie") or []
            )
        finally:
            connection.close()
        for header in reply.cookies:
            if header.startswith(COOKIE + "="):
                self.cookie = header.split(";", 1)[0].split("=", 1)[1]
        return reply

    def login(self, email: str) -> None:
        page = self.request("GET", "/login")
        token = CSRF_RE.search(page.text).group(1)
        response = self.request(
            "POST", "/login", data={"email": email, "password": PASSWORD, "csrf_token": token}
        )
        if response.status_code != 302:
            raise RuntimeError(f"login failed for {email}: {response.status_code}")


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.samples: list[str] = []

    def add(self, kind: str, seconds: float, ok: bool, detail: str = "") -> None:
        with self.lock:
            self.latency[kind].append(seconds)
            if not ok:
                self.errors[kind] += 1
                if len(self.samples) < 10:
                    self.samples.append(f"{kind}: {detail}")


def client_loop(
    n: int,
    base: str,
    seeded: dict,
    stop: threading.Event,
    stats: Stats,
    think: float = 0.0,
    ready: threading.Barrier | None = None,
) -> None:
    rng = random.Random(n)
    browser = Browser(base)
    try:
        browser.login(seeded["reviewers"][n])
    finally:
        # Timing starts once every client has logged in: 50 logins at once are 50 password
        # hashes in the same second, a burst no team produces at steady state.
        if ready is not None:
            ready.wait()
    api = Browser(base)
    auth = {"Authorization": f"Bearer {seeded['token']}"}
    ids = seeded["creator_ids"]
    pending: list[int] = []
    kinds, weights = zip(*WEIGHTS.items(), strict=True)

    def timed(kind, method, path, expect=(200,), **kwargs):
        started = time.perf_counter()
        try:
            response = (api if "headers" in kwargs else browser).request(method, path, **kwargs)
        except (OSError, http.client.HTTPException) as exc:
            stats.add(kind, time.perf_counter() - started, False, repr(exc))
            return None
        ok = response.status_code in expect
        stats.add(
            kind,
            time.perf_counter() - started,
            ok,
            f"{method} {path} -> {response.status_code} {response.text[:200]!r}",
        )
        return response if ok else None

    while not stop.is_set():
        if think > 0 and stop.wait(rng.expovariate(1 / think)):
            break
        kind = rng.choices(kinds, weights)[0]
        if kind == "decision" and not pending:
            kind = "submit"
        if kind == "list":
            query = rng.choice(["", "?status=active", "?q=creator 01", "?sort=followers"])
            timed("list", "GET", "/creators/" + query)
        elif kind == "creator":
            timed("creator", "GET", f"/creators/{rng.choice(ids)}")
        elif kind == "queue":
            timed("queue", "GET", "/review/")
        elif kind == "write":
            timed(
                "write",
                "POST",
                f"/api/v1/creators/{rng.choice(ids)}/interactions",
                expect=(201,),
                headers=dict(auth),
                json={
                    "kind": "call",
                    "occurred_at": datetime.now(UTC).isoformat(),
                    "summary": f"Load call {rng.random():.6f}",
                },
            )
        elif kind == "submit":
            response = timed(
                "submit",
                "POST",
                "/api/v1/submissions",
                expect=(201,),
                headers=dict(auth),
                json={
                    "creator_id": rng.choice(ids),
                    "platform": "youtube",
                    "title": f"Load post {rng.random():.6f}",
                    "planned_for": (datetime.now(UTC) + timedelta(days=20)).isoformat(),
                    "body": "#ad A sponsored look at the new lights",
                    "submit": True,
                },
            )
            if response is not None:
                pending.append(response.json()["id"])
        elif kind == "decision":
            submission_id = pending.pop()
            page = timed("decision", "GET", f"/review/{submission_id}")
            if page is None:
                continue
            match = CSRF_RE.search(page.text)
            if match is None:
                stats.add("decision", 0.0, False, f"no CSRF token on /review/{submission_id}")
                continue
            timed(
                "decision",
                "POST",
                f"/review/{submission_id}/decision",
                expect=(302, 303),
                data={
                    "csrf_token": match.group(1),
                    "revision": "1",
                    "decision": rng.choice(["approve", "request_changes"]),
                    "comment": "Reviewed under load.",
                },
            )


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def report(
    stats: Stats, elapsed: float, clients: int, workers: int, threads: int, cpu: dict[str, float]
) -> int:
    every = [v for values in stats.latency.values() for v in values]
    errors = sum(stats.errors.values())
    print(
        f"\n{len(every)} requests in {elapsed:.0f} s from {clients} clients "
        f"({len(every) / elapsed:.0f} req/s), gunicorn {workers} workers x {threads} threads"
    )
    print(f"{'kind':10} {'count':>7} {'errors':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for kind in [*WEIGHTS, "all"]:
        values = every if kind == "all" else stats.latency.get(kind, [])
        errs = errors if kind == "all" else stats.errors.get(kind, 0)
        print(
            f"{kind:10} {len(values):7d} {errs:6d} "
            f"{percentile(values, 50) * 1000:8.1f} {percentile(values, 95) * 1000:8.1f} "
            f"{percentile(values, 99) * 1000:8.1f}"
        )
    if every:
        print(f"mean {statistics.fmean(every) * 1000:.1f} ms, max {max(every) * 1000:.1f} ms")
    if cpu:
        cores = os.cpu_count() or 1
        served = max(1, len(every))
        print(
            "CPU seconds: "
            + ", ".join(f"{name} {seconds:.1f}" for name, seconds in cpu.items())
            + f" of {elapsed * cores:.0f} available ({cores} cores); server "
            f"{cpu.get('server', 0) / served * 1000:.1f} ms of CPU per request"
        )
    for sample in stats.samples:
        print("error:", sample)
    print("errors: 0" if errors == 0 else f"errors: {errors}")
    return 0 if errors == 0 and every else 1


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--think", type=float, default=0.0)
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "LOAD_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/crm_load"
        ),
    )
    args = parser.parse_args(argv)
    clients = max(1, min(args.clients, MAX_CLIENTS))
    duration = max(1.0, min(args.duration, MAX_DURATION))
    logdir = ROOT / "load" / "out"
    logdir.mkdir(exist_ok=True)

    print(f"preparing {make_url(args.database_url).database} (dropped and re-created)…")
    recreate_database(args.database_url)
    seeded = seed(args.database_url, clients)
    port = free_port()
    server, log = start_gunicorn(args.database_url, port, args.workers, args.threads, logdir)
    stats = Stats()
    stop = threading.Event()
    try:
        base = f"http://127.0.0.1:{port}"
        ready = threading.Barrier(clients + 1)
        threads = [
            threading.Thread(
                target=client_loop,
                args=(n, base, seeded, stop, stats, max(0.0, min(args.think, 60.0)), ready),
                daemon=True,
            )
            for n in range(clients)
        ]
        print(f"{clients} clients for {duration:.0f} s against {base}…")
        server_pids = process_tree(server.pid)
        for thread in threads:
            thread.start()
        ready.wait()
        postgres_pids = named_processes("postgres")
        before = {
            "server": cpu_seconds(server_pids),
            "database": cpu_seconds(postgres_pids),
            "clients": time.process_time(),
        }
        started = time.monotonic()
        time.sleep(duration)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        elapsed = time.monotonic() - started
        postgres_pids = sorted(set(postgres_pids) | set(named_processes("postgres")))
        cpu = {
            "server": cpu_seconds(server_pids) - before["server"],
            "database": cpu_seconds(postgres_pids) - before["database"],
            "clients": time.process_time() - before["clients"],
        }
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
    return report(stats, elapsed, clients, args.workers, args.threads, cpu)


if __name__ == "__main__":
    raise SystemExit(main())
