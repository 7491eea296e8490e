"""Alembic environment: the URL comes from the caller or from the app's settings."""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from sqlalchemy.engine import Connection

from crm.db import make_engine
from crm.migrate import include_name
from crm.models import metadata

config = context.config
if config.config_file_name and not config.attributes.get("url"):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def _url() -> str:
    url = config.attributes.get("url")
    if url:
        return url
    from config import load_config

    return load_config()["DATABASE_URL"]


def run_migrations_offline() -> None:
    context.configure(
        url=_url(), target_metadata=metadata, render_as_batch=True, literal_binds=True
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(_url())
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            _sqlite_foreign_keys(connection, on=False)
        try:
            context.configure(
                connection=connection,
                target_metadata=metadata,
                render_as_batch=sqlite,
                compare_type=True,
                include_name=include_name,
                # SQLite runs DDL in transactions too: one transaction for the whole upgrade
                # lets the foreign key check below roll every step back.
                transactional_ddl=True,
            )
            with context.begin_transaction():
                context.run_migrations()
                if sqlite:
                    _check_foreign_keys(connection)
        finally:
            if sqlite:
                _sqlite_foreign_keys(connection, on=True)
    engine.dispose()


def _sqlite_foreign_keys(connection: Connection, on: bool) -> None:
    """Batch migrations rebuild a SQLite table by copying it and dropping the original. With
    foreign keys enforced that DROP first deletes every row, which cascades into the child
    tables (or fails on a RESTRICT child), so upgrading a database that holds data would lose
    rows. The pragma is ignored inside a transaction, and the engine opens each one with BEGIN
    IMMEDIATE, so it goes to the driver connection (no implicit transaction there) before
    Alembic begins."""
    connection.connection.driver_connection.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def _check_foreign_keys(connection: Connection) -> None:
    """With enforcement off a migration could leave rows pointing nowhere; raising here, still
    inside the migration transaction, rolls the whole upgrade back instead."""
    rows = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if rows:
        found = "; ".join(
            f"{table} row {rowid} -> {parent}" for table, rowid, parent, _fk in rows[:20]
        )
        raise RuntimeError(
            f"Upgrade rolled back: {len(rows)} row(s) refer to rows that do not exist ({found}). "
            "Fix or delete them (PRAGMA foreign_key_check lists them all), then upgrade again."
        )


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
