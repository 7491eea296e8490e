"""Fixtures: one migrated database per run, a rolled-back transaction per test.

SQLite by default (a real file); set CRM_TEST_DATABASE_URL to run on PostgreSQL, and
CRM_TEST_TIMEZONE (e.g. Pacific/Kiritimati) to run the whole suite with the organisation in
that zone. Every test runs inside an outer transaction that is rolled back, and every session
the app opens joins it through a savepoint (SQLAlchemy's "join a session into an external
transaction" recipe), so views can commit as they do in production. The factories of
tests/factories.py create rows in the test's session.

Fixtures more than one domain uses live here: `make_creator`, `make_account`, `creator`,
`product`, `make_product`, `make_grant`, `session_factory`, `smtp` and `providers`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import make_url

from crm import create_app
from crm.db import get_db, make_engine
from crm.migrate import upgrade

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
# The organisation's zone of the session app: CRM_TIMEZONE=$CRM_TEST_TIMEZONE, else UTC.
TEST_ZONE = ZoneInfo(os.environ.get("CRM_TEST_TIMEZONE") or "UTC")
TESTS = Path(__file__).resolve().parent
# Marked by folder, so `make test-fast` (-m "not e2e and not fuzz") leaves them out.
FOLDER_MARKS = {TESTS / "e2e": "e2e", TESTS / "fuzz": "fuzz"}


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects
def pytest_collection_modifyitems(items) -> None:
    for item in items:
        for folder, mark in FOLDER_MARKS.items():
            if folder in item.path.parents:
                item.add_marker(mark)


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
    config = {
        "ENV_NAME": "testing",
        "DATABASE_URL": database_url,
        "UPLOAD_DIR": str(files / "uploads"),
        "CRM_MAIL_DIR": str(files / "mail"),
        "CRM_BASE_URL": "http://crm.test",
        "SERVER_NAME": None,
        # Need-to-know for unreleased products (crm/common/clearance.py) is on in every real
        # configuration. Most of the suite predates it and lets managers and viewers work
        # with unreleased products, so the session app leaves it off unless
        # CRM_TEST_NEED_TO_KNOW=1; tests/clearance turn it on for their own tests.
        "CRM_NEED_TO_KNOW": os.environ.get("CRM_TEST_NEED_TO_KNOW") == "1",
    }
    if os.environ.get("CRM_TEST_TIMEZONE"):
        config["CRM_TIMEZONE"] = TEST_ZONE.key
    return config


@pytest.fixture(scope="session")
def app(app_config):
    application = create_app(app_config)
    yield application
    get_db(application).engine.dispose()


@pytest.fixture
def db(app):
    """A session inside a transaction that is rolled back after the test; the factories
    create their rows in it."""
    from tests.factories import bind_session

    database = get_db(app)
    connection = database.engine.connect()
    outer = connection.begin()
    database.bind_to(connection)
    session = database.session_factory()
    bind_session(session)
    # No app context is pushed here: requests would share it (and its `g`) with the test.
    try:
        yield session
    finally:
        bind_session(None)
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
        return UserFactory(role=role, **kwargs)

    return make


@pytest.fixture
def creator_owner():
    """Who owns the creators `make_creator` makes when no owner is given (a package may
    override this fixture, as tests/reminders does)."""
    return None


@pytest.fixture
def make_creator(db, creator_owner):
    """`make_creator(owner=user, accounts=[("youtube", "handle")], tags=["a"], **fields)`;
    `owner_id=None` in the fields makes a creator nobody owns."""
    from crm.creators.models import CreatorTag
    from tests.factories import AccountFactory, CreatorFactory

    def make(owner=None, accounts=(), tags=(), **fields):
        owner = owner or creator_owner
        fields.setdefault("owner_id", owner.id if owner else None)
        creator = CreatorFactory(tags=[CreatorTag(tag=t) for t in tags], **fields)
        for platform, handle in accounts:
            AccountFactory(
                creator_id=creator.id,
                platform=platform,
                handle=handle,
                handle_key=handle.lstrip("@").lower(),
            )
        return creator

    return make


@pytest.fixture
def make_account(db, make_creator):
    """`make_account("instagram", handle="maya")` (a new creator unless one is given)."""
    from tests.factories import AccountFactory

    def make(platform: str = "youtube", creator=None, **kwargs):
        creator = creator or make_creator()
        if platform != "youtube":
            kwargs.setdefault("external_id", None)
        return AccountFactory(creator_id=creator.id, platform=platform, **kwargs)

    return make


@pytest.fixture
def creator(make_creator):
    return make_creator()


@pytest.fixture
def make_product(db):
    from tests.factories import ProductFactory

    return ProductFactory


@pytest.fixture
def product(make_product):
    return make_product()


@pytest.fixture
def make_grant(db):
    """`make_grant(creator, product, **fields)`."""
    from tests.factories import GrantFactory

    def make(creator, product, **kwargs):
        return GrantFactory(creator_id=creator.id, product_id=product.id, **kwargs)

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


@pytest.fixture
def session_factory(app, db) -> Callable:
    """Sessions joined to the test's rolled-back transaction (what views and jobs get)."""
    return get_db(app).session_factory


@pytest.fixture
def smtp() -> Iterator:
    """`smtp.start(handler=None, port=None) -> (recorder, port)`: SMTP servers on loopback
    (aiosmtpd), every one stopped at teardown."""
    from tests.mail.conftest import SmtpFixture

    fixture = SmtpFixture()
    yield fixture
    fixture.stop_all()


@pytest.fixture
def providers(app, httpserver, monkeypatch):
    """Every metrics platform configured against pytest-httpserver (tiny backoff so retries
    cost no time); returns the server."""
    from tests.metrics.conftest import IG_TOKEN, IG_USER, TT_TOKEN, YT_KEY

    settings = {
        "CRM_YOUTUBE_API_KEY": YT_KEY,
        "CRM_YOUTUBE_API_URL": httpserver.url_for("/yt"),
        "CRM_INSTAGRAM_ACCESS_TOKEN": IG_TOKEN,
        "CRM_INSTAGRAM_USER_ID": IG_USER,
        "CRM_INSTAGRAM_API_URL": httpserver.url_for("/ig"),
        "CRM_TIKTOK_ACCESS_TOKEN": TT_TOKEN,
        "CRM_TIKTOK_API_URL": httpserver.url_for("/tt"),
        "CRM_METRICS_BACKOFF_BASE": 0.0,
        "CRM_METRICS_BACKOFF_CAP": 0.0,
        "CRM_METRICS_MAX_RETRIES": 2,
        "CRM_METRICS_TIMEOUT": 2.0,
    }
    for key, value in settings.items():
        monkeypatch.setitem(app.config, key, value)
    return httpserver


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


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    """An S3-compatible server (moto's server mode) listening on a loopback port; yields its
    endpoint URL. Real HTTP: boto3 signs and sends requests as it would to any S3."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_storage(app, s3_server, monkeypatch):
    """The session app stores uploads in a fresh bucket of the loopback S3 server for this
    test (CRM_STORAGE=s3); yields the app's storage."""
    import secrets

    from crm.common.storage import s3_client, storage_for

    settings = {
        "CRM_STORAGE": "s3",
        "CRM_S3_BUCKET": f"crm-test-{secrets.token_hex(4)}",
        "CRM_S3_PREFIX": "uploads",
        "CRM_S3_ENDPOINT_URL": s3_server,
        "CRM_S3_REGION": "us-east-1",
        "CRM_S3_ACCESS_KEY_ID": "test-key",
        "CRM_S3_SECRET_ACCESS_KEY": "test-secret",
    }
    for key, value in settings.items():
        monkeypatch.setitem(app.config, key, value)
    s3_client(app.config).create_bucket(Bucket=settings["CRM_S3_BUCKET"])
    app.extensions.pop("crm_storage", None)
    try:
        yield storage_for(app)
    finally:
        app.extensions.pop("crm_storage", None)
