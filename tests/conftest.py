"""Fixtures: one migrated database per run, a rolled-back transaction per test.

SQLite by default (a real file); set CRM_TEST_DATABASE_URL to run on PostgreSQL. Every test
runs inside an outer transaction that is rolled back, and every session the app opens joins
it through a savepoint (SQLAlchemy's "join a session into an external transaction" recipe),
so views can commit as they do in production.
"""

from __future__ import annotations

import os
import re
from contextlib import contextmanager

import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import make_url

from crm import create_app
from crm.db import get_db, make_engine
from crm.migrate import upgrade

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("CRM_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


def reset_database(url: str) -> None:
    """Start from an empty schema: drop everything a previous run left behind."""
    parsed = make_url(url)
    engine = make_engine(url)
    if parsed.get_backend_name() == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = _database_url(tmp_path_factory)
    reset_database(url)
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def app_config(database_url, tmp_path_factory) -> dict:
    files = tmp_path_factory.mktemp("files")
    return {
        "ENV_NAME": "testing",
        "DATABASE_URL": database_url,
        "UPLOAD_DIR": str(files / "uploads"),
        "CRM_MAIL_DIR": str(files / "mail"),
        "CRM_BASE_URL": "http://crm.test",
        "SERVER_NAME": None,
    }


@pytest.fixture(scope="session")
def app(app_config):
    application = create_app(app_config)
    yield application
    get_db(application).engine.dispose()


@pytest.fixture
def db(app):
    """A session inside a transaction that is rolled back after the test."""
    database = get_db(app)
    connection = database.engine.connect()
    outer = connection.begin()
    database.bind_to(connection)
    session = database.session_factory()
    # No app context is pushed here: requests would share it (and its `g`) with the test.
    try:
        yield session
    finally:
        session.close()
        outer.rollback()
        connection.close()
        database.reset_binding()


@pytest.fixture
def client(app, db):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def csrf_token(client) -> str:
    for path in ("/profile", "/login"):
        response = client.get(path)
        if response.status_code == 200:
            match = CSRF_RE.search(response.get_data(as_text=True))
            if match:
                return match.group(1)
    raise AssertionError("no CSRF token found")


def post_form(client, url: str, data: dict | None = None, **kwargs):
    """POST a form with a valid CSRF token, as a browser would."""
    payload = dict(data or {})
    payload.setdefault("csrf_token", csrf_token(client))
    return client.post(url, data=payload, **kwargs)


def log_in(client, user, password: str | None = None):
    from tests.factories import DEFAULT_PASSWORD

    response = client.get("/login")
    token = CSRF_RE.search(response.get_data(as_text=True)).group(1)
    return client.post(
        "/login",
        data={"email": user.email, "password": password or DEFAULT_PASSWORD, "csrf_token": token},
    )


@pytest.fixture
def make_user(db):
    from tests.factories import UserFactory

    def make(role: str = "manager", **kwargs):
        user = UserFactory.build(role=role, **kwargs)
        db.add(user)
        db.flush()
        return user

    return make


@pytest.fixture
def login(client, make_user):
    """`login("legal")` creates a user of that role, logs the test client in, returns it."""

    def do(role: str = "manager", **kwargs):
        user = make_user(role, **kwargs)
        response = log_in(client, user)
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return do


@pytest.fixture
def api(app, db, make_user):
    """`api("viewer")` returns (user, headers) with a fresh bearer token of that role."""
    from crm.auth.services import create_token

    def do(role: str = "manager", **kwargs):
        user = make_user(role, **kwargs)
        _token, raw = create_token(db, user, user, "test")
        db.flush()
        return user, {"Authorization": f"Bearer {raw}"}

    return do


class QueryCounter:
    def __init__(self):
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app):
    """`with count_queries() as counter:` counts SQL statements sent to the database."""
    engine = get_db(app).engine

    @contextmanager
    def counting():
        counter = QueryCounter()

        def before(conn, cursor, statement, *args):
            if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
                counter.statements.append(statement)

        event.listen(engine, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            event.remove(engine, "before_cursor_execute", before)

    return counting
