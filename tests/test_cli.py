"""The `flask crm` commands, run against a real database file."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from crm import create_app
from crm.auth.models import User
from crm.db import get_db, session_scope
from crm.migrate import upgrade


@pytest.fixture
def fresh_app(tmp_path, app_config):
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    upgrade(url)
    app = create_app({**app_config, "DATABASE_URL": url})
    yield app
    get_db(app).engine.dispose()


def test_create_user_reads_the_password_from_stdin(fresh_app):
    runner = fresh_app.test_cli_runner()
    result = runner.invoke(
        args=["crm", "create-user", "Boss@Example.test", "--role", "admin", "--name", "Boss"],
        input="a long enough passphrase\n",
    )
    assert result.exit_code == 0, result.output
    with fresh_app.app_context(), session_scope() as db:
        user = db.scalar(select(User).where(User.email == "boss@example.test"))
        assert user.role == "admin" and user.name == "Boss"


def test_create_user_refuses_a_short_password(fresh_app):
    runner = fresh_app.test_cli_runner()
    result = runner.invoke(
        args=["crm", "create-user", "x@example.test", "--role", "viewer"], input="short\n"
    )
    assert result.exit_code != 0
    assert "at least 12" in result.output


def test_create_token_prints_a_working_token_once(fresh_app):
    runner = fresh_app.test_cli_runner()
    runner.invoke(
        args=["crm", "create-user", "t@example.test", "--role", "legal"],
        input="a long enough passphrase\n",
    )
    result = runner.invoke(args=["crm", "create-token", "t@example.test"])
    assert result.exit_code == 0
    raw = result.output.strip()
    response = fresh_app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert response.get_json()["role"] == "legal"


def test_demo_loads_into_a_new_database_and_prints_logins(fresh_app):
    runner = fresh_app.test_cli_runner()
    result = runner.invoke(args=["crm", "demo"])
    assert result.exit_code == 0, result.output
    for role in ("admin", "manager", "legal", "viewer"):
        assert role in result.output
    assert "password:" in result.output
    with fresh_app.app_context(), session_scope() as db:
        roles = set(db.scalars(select(User.role)))
        assert roles == {"admin", "manager", "legal", "viewer"}
    again = runner.invoke(args=["crm", "demo", "--if-empty"])
    assert again.exit_code == 0 and "not loaded" in again.output
    with fresh_app.app_context(), session_scope() as db:
        assert db.scalar(select(func.count()).select_from(User)) == 5


def test_db_upgrade_is_idempotent(fresh_app):
    result = fresh_app.test_cli_runner().invoke(args=["crm", "db", "upgrade"])
    assert result.exit_code == 0
    assert "up to date" in result.output
