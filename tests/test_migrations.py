"""Migrations are the only way the schema changes: the migrated schema equals the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from crm.db import get_db
from crm.migrate import alembic_config, include_name
from crm.models import metadata


def test_migrated_schema_matches_the_models(app, database_url):
    engine = get_db(app).engine
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": include_name}
        )
        differences = compare_metadata(context, metadata)
    assert differences == []


def test_migrations_form_a_single_line(database_url):
    script = ScriptDirectory.from_config(alembic_config(database_url))
    assert len(script.get_heads()) == 1


def test_database_is_at_the_latest_revision(app, database_url):
    script = ScriptDirectory.from_config(alembic_config(database_url))
    with get_db(app).engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_heads()
    assert set(current) == set(script.get_heads())
