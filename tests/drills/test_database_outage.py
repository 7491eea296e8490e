"""Drill: the database becomes unreachable while the app runs, then comes back.

On PostgreSQL the app reaches the server through a loopback TCP proxy that the drill cuts
(open connections die, new ones are refused); on SQLite the database file's folder goes
away (an unmounted volume). Either way: /healthz answers 503, a normal page is a short
"temporarily unavailable" page (503, Retry-After, an error id, no traceback), the API
answers a 503 problem, a write is refused without leaving anything behind, and once the
database is back the same session carries on with the data as it was.
"""

from __future__ import annotations

from sqlalchemy import func, select, text

from crm import create_app
from crm.audit.models import AuditEvent
from crm.auth.services import create_token
from crm.creators.models import Creator
from crm.db import get_db, session_scope
from tests.conftest import CSRF_RE, log_in
from tests.drills.conftest import SqliteOutage
from tests.factories import CreatorFactory, UserFactory


def _edit(client, creator_id, token, name):
    return client.post(
        f"/creators/{creator_id}/edit",
        data={
            "csrf_token": token,
            "display_name": name,
            "legal_name": "",
            "email": "",
            "country": "",
            "status": "active",
            "owner_id": "",
            "tags": "",
            "notes": "",
        },
    )


def test_database_unreachable_then_back(app_config, outage):
    url, switch = outage
    app = create_app({**app_config, "DATABASE_URL": url})
    engine = get_db(app).engine
    with session_scope(app) as s:
        manager = UserFactory.build(role="manager")
        creator = CreatorFactory.build(display_name="Before the outage")
        s.add_all([manager, creator])
        s.flush()
        _t, raw = create_token(s, manager, manager, "drill")
    api = {"Authorization": f"Bearer {raw}"}
    client = app.test_client()
    assert log_in(client, manager).status_code == 302
    page = client.get(f"/creators/{creator.id}/edit")
    assert page.status_code == 200
    token = CSRF_RE.search(page.get_data(as_text=True)).group(1)
    with session_scope(app) as s:
        audit_before = s.scalar(select(func.count()).select_from(AuditEvent))

    switch.down()
    if isinstance(switch, SqliteOutage):
        engine.dispose()  # the pooled connections go with the volume
    try:
        health = client.get("/healthz")
        assert health.status_code == 503
        assert health.get_json()["database"] == "unreachable"

        for path in ("/", f"/creators/{creator.id}", "/creators/"):
            down = client.get(path)
            body = down.get_data(as_text=True)
            assert down.status_code == 503, (path, body[:500])
            assert down.headers["Retry-After"] == "30"
            assert "Temporarily unavailable" in body and "error id" in body
            assert "Traceback" not in body and "OperationalError" not in body
            assert down.mimetype == "text/html"

        problem = client.get(f"/api/v1/creators/{creator.id}", headers=api)
        assert problem.status_code == 503
        assert problem.mimetype == "application/problem+json"
        assert problem.get_json()["title"] == "Service unavailable"

        refused = _edit(client, creator.id, token, "Written during the outage")
        assert refused.status_code == 503
    finally:
        switch.up()

    assert client.get("/healthz").status_code == 200
    # The same browser session carries on: nothing was lost, nothing half-written.
    page = client.get(f"/creators/{creator.id}")
    assert page.status_code == 200
    assert "Before the outage" in page.get_data(as_text=True)
    with session_scope(app) as s:
        assert s.get(Creator, creator.id).display_name == "Before the outage"
        assert s.scalar(select(func.count()).select_from(AuditEvent)) == audit_before
        if engine.dialect.name == "sqlite":
            assert s.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    saved = _edit(client, creator.id, token, "After the outage")
    assert saved.status_code == 302
    with session_scope(app) as s:
        assert s.get(Creator, creator.id).display_name == "After the outage"
    engine.dispose()
