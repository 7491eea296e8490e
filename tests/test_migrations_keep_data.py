"""Upgrading a database that holds data keeps that data.

On SQLite a batch migration that cannot use ALTER TABLE rebuilds the table (copy into a new
table, DROP the old one, rename). With foreign keys enforced, that DROP deletes the old rows
first, so every ON DELETE CASCADE child row would go with them (and a RESTRICT child would
stop the upgrade). Each case upgrades a fresh database to just before a rebuilding migration,
stores a parent row with rows in every table that refers to it, upgrades to head and counts.
"""

from __future__ import annotations

import itertools
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, Table, func, inspect, select, text
from sqlalchemy.engine import Connection, make_url

from crm.db import make_engine
from crm.migrate import alembic_config, upgrade

# (migration that rebuilds the table on SQLite, rebuilt table whose children must survive)
REBUILDS = [
    ("0011", "submissions"),
    ("0013", "creators"),
    ("0014", "works"),
    ("0015", "submissions"),
    ("0015", "revisions"),
    ("0021", "ndas"),
]


@pytest.fixture
def scratch_url(database_url, tmp_path):
    """A database of its own: the session's database is already at head."""
    parsed = make_url(database_url)
    if parsed.get_backend_name() != "postgresql":
        yield f"sqlite:///{tmp_path / 'keep.sqlite3'}"
        return
    name = f"{parsed.database}_keep_{uuid.uuid4().hex[:8]}"
    server = make_engine(parsed.set(database="postgres").render_as_string(hide_password=False))
    with server.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield parsed.set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


class RowMaker:
    """Inserts rows into whatever schema a revision has: NOT NULL columns get a value of their
    type, NOT NULL foreign keys get a fresh referenced row."""

    def __init__(self, conn: Connection):
        self.conn = conn
        self.inspector = inspect(conn)
        self.metadata = MetaData()
        self.counter = itertools.count(1)

    def table(self, name: str) -> Table:
        return Table(name, self.metadata, autoload_with=self.conn)

    def referrers(self, name: str) -> list[tuple[str, dict[str, str]]]:
        """(child table, {child column: parent column}) for every foreign key to `name`."""
        found = []
        for child in self.inspector.get_table_names():
            for fk in self.inspector.get_foreign_keys(child):
                if fk["referred_table"] == name and child != name:
                    pairs = zip(fk["constrained_columns"], fk["referred_columns"], strict=True)
                    found.append((child, dict(pairs)))
        return found

    def insert(self, name: str, given: dict[str, Any] | None = None, depth: int = 0) -> dict:
        assert depth < 12, f"foreign keys too deep at {name}"
        table = self.table(name)
        values = dict(given or {})
        for fk in self.inspector.get_foreign_keys(name):
            columns = fk["constrained_columns"]
            if any(c in values for c in columns):
                continue
            if all(table.c[c].nullable for c in columns):
                continue
            parent = self.insert(fk["referred_table"], depth=depth + 1)
            for child_col, parent_col in zip(columns, fk["referred_columns"], strict=True):
                values[child_col] = parent[parent_col]
        for column in table.columns:
            if column.name in values or column.nullable or column.server_default is not None:
                continue
            if column.primary_key and column.autoincrement and len(table.primary_key) == 1:
                continue
            values[column.name] = self.value_for(column)
        result = self.conn.execute(table.insert().values(values))
        pk = result.inserted_primary_key
        values.update(zip((c.name for c in table.primary_key.columns), pk, strict=True))
        return values

    def value_for(self, column) -> Any:
        n = next(self.counter)
        try:
            kind = column.type.python_type
        except NotImplementedError:
            kind = str
        if kind is bool:
            return False
        if kind is int:
            return n
        if kind is float:
            return 1.0
        if kind is Decimal:
            return Decimal("1")
        if kind is datetime:
            return datetime(2026, 1, 1, 12, 0)
        if kind is date:
            return date(2026, 1, 1)
        if kind in (dict, list):
            return []
        if kind is bytes:
            return b"x"
        if kind is uuid.UUID:
            return uuid.uuid4()
        length = getattr(column.type, "length", None) or 40
        return f"v{n}"[:length]


def _seed_family(rows: RowMaker, parent_table: str) -> list[str]:
    """A parent row plus one row in every table below it; the tables that got a row."""
    parent = rows.insert(parent_table)
    seeded: list[str] = []
    _seed_children(rows, parent_table, parent, seeded, {parent_table})
    return seeded


def _seed_children(rows, table: str, row: dict, seeded: list[str], seen: set[str]) -> None:
    for child, pairs in rows.referrers(table):
        if child in seen:
            continue
        seen.add(child)
        child_row = rows.insert(child, {c: row[p] for c, p in pairs.items()})
        seeded.append(child)
        _seed_children(rows, child, child_row, seeded, seen)


def _counts(url: str, tables: list[str]) -> dict[str, int]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            metadata = MetaData()
            return {
                name: conn.execute(
                    select(func.count()).select_from(Table(name, metadata, autoload_with=conn))
                ).scalar_one()
                for name in tables
            }
    finally:
        engine.dispose()


@pytest.mark.parametrize(("migration", "parent_table"), REBUILDS)
def test_upgrading_keeps_child_rows_of_rebuilt_tables(
    scratch_url, database_url, migration, parent_table
):
    script = ScriptDirectory.from_config(alembic_config(database_url))
    before = script.get_revision(migration).down_revision
    assert isinstance(before, str)
    upgrade(scratch_url, before)

    engine = make_engine(scratch_url)
    try:
        with engine.begin() as conn:
            seeded = _seed_family(RowMaker(conn), parent_table)
    finally:
        engine.dispose()
    assert seeded, f"{parent_table} has no child tables at {before}"
    stored = _counts(scratch_url, [parent_table, *seeded])

    upgrade(scratch_url)

    assert _counts(scratch_url, [parent_table, *seeded]) == stored


def test_upgrade_refuses_to_leave_rows_pointing_nowhere(scratch_url):
    """A row whose parent is gone makes the upgrade fail and leaves the database as it was."""
    if make_url(scratch_url).get_backend_name() != "sqlite":
        pytest.skip("PostgreSQL never stores such a row")
    upgrade(scratch_url, "0017")
    engine = make_engine(scratch_url)
    try:
        with engine.connect() as conn:
            raw = conn.connection.driver_connection
            raw.execute("PRAGMA foreign_keys=OFF")
            raw.execute("INSERT INTO nda_products (nda_id, product_id) VALUES (4242, 4243)")
            raw.execute("PRAGMA foreign_keys=ON")
    finally:
        engine.dispose()

    with pytest.raises(RuntimeError, match="nda_products"):
        upgrade(scratch_url)

    engine = make_engine(scratch_url)
    try:
        with engine.connect() as conn:
            version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    finally:
        engine.dispose()
    assert version == "0017"
