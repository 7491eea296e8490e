"""Browser journeys: the real app in its own process on loopback, driven by Chromium.

The server runs `python -m crm.serve` against a fresh SQLite file loaded with the demo data,
exactly as `make run` does. Screenshots go to tests/e2e/artifacts/ (E2E_ARTIFACTS overrides);
they are deleted after the run unless E2E_KEEP_ARTIFACTS=1.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("E2E_ARTIFACTS", ROOT / "tests" / "e2e" / "artifacts"))
DEMO_PASSWORD = "demo-password-2026"
SERIOUS = {"serious", "critical"}

if not Path(CHROMIUM).exists():
    pytest.skip(f"browser journeys skipped: no Chromium at {CHROMIUM}", allow_module_level=True)

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - make test installs it
    pytest.skip("browser journeys skipped: playwright is not installed", allow_module_level=True)


class LiveServer(str):
    """The base URL; `database` is the SQLite file the server runs on (journeys read the
    outbox from it, as a mail client would)."""

    database: Path


def outbox_text(live_server, kind: str, to: str) -> str:
    """The newest queued email of this kind to this address."""
    import sqlite3

    with sqlite3.connect(live_server.database) as conn:
        row = conn.execute(
            'SELECT text FROM outbox_messages WHERE kind = ? AND "to" = ? ORDER BY id DESC',
            (kind, to),
        ).fetchone()
    assert row is not None, (kind, to)
    return row[0]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serve_demo(workdir: Path):
    """`python -m crm.serve` on a free loopback port over a fresh SQLite file with the demo
    data in `workdir`; yields the base URL (a LiveServer)."""
    port = _free_port()
    env = {
        **os.environ,
        "CRM_ENV": "development",
        "DATABASE_URL": f"sqlite:///{workdir / 'e2e.sqlite3'}",
        "UPLOAD_DIR": str(workdir / "uploads"),
        "CRM_SCHEDULER": "off",
        "PORT": str(port),
    }
    for variable in ("CRM_TEST_DATABASE_URL", "CRM_SMTP_HOST"):
        env.pop(variable, None)
    flask = [sys.executable, "-m", "flask", "--app", "wsgi", "crm"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run([*flask, "demo"], cwd=ROOT, env=env, check=True, capture_output=True)
    log = open(workdir / "server.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "crm.serve"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = LiveServer(f"http://127.0.0.1:{port}")
    base.database = workdir / "e2e.sqlite3"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1) as response:
                if response.status == 200:
                    break
        except OSError:
            time.sleep(0.2)
    else:
        server.kill()
        raise RuntimeError((workdir / "server.log").read_text())
    try:
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """Base URL of the app served from a fresh database with demo data."""
    with serve_demo(tmp_path_factory.mktemp("e2e")) as base:
        yield base


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield instance
        instance.close()


@pytest.fixture(scope="session", autouse=True)
def artifacts_dir():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    yield ARTIFACTS
    if os.environ.get("E2E_KEEP_ARTIFACTS") != "1":
        shutil.rmtree(ARTIFACTS, ignore_errors=True)


class Session:
    """One person in one browser context, with helpers for the journeys."""

    def __init__(self, browser, base: str, name: str):
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.base = base
        self.name = name

    def go(self, path: str):
        response = self.page.goto(self.base + path)
        assert response is not None and response.status < 500, (path, response and response.status)
        return response

    def login(self, email: str, password: str = DEMO_PASSWORD):
        self.go("/login")
        self.page.get_by_label("Email").fill(email)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Log in").click()
        self.page.wait_for_load_state()

    def shot(self, label: str) -> Path:
        path = ARTIFACTS / f"{self.name}-{label}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def close(self):
        self.context.close()


@pytest.fixture
def person(browser, live_server):
    sessions = []

    def make(name: str) -> Session:
        session = Session(browser, live_server, name)
        sessions.append(session)
        return session

    yield make
    for session in sessions:
        session.close()


def axe_violations(page) -> list[dict]:
    """Serious and critical axe-core violations on the current page."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in results.response["violations"]
        if v.get("impact") in SERIOUS
    ]
