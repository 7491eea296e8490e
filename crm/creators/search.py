"""Substring search over creators through a trigram index, on both databases.

The creator list's search matches the query anywhere in a creator's name, email, account
handles or tags (`LIKE '%…%'`). Without help every search reads every creator. Here:

- SQLite: `creator_search`, an FTS5 table with the trigram tokenizer (SQLite 3.34+), one row
  per creator (rowid = creator id) whose text is the name, email, handles and tags joined by
  a separator no query contains; triggers on creators, accounts and creator_tags keep it.
  A query of 3 characters or more first looks up the candidates there (`MATCH`), then the
  exact `LIKE` conditions decide among those few.
- PostgreSQL: pg_trgm GIN indexes on `creators.search_name`, `creators.email`,
  `accounts.handle_key` and `creator_tags.tag`; the search is a UNION of four `LIKE`s, each
  served by its index.

Both are created by migration 0016 when the database allows it (`fts5_available()`,
`CREATE EXTENSION pg_trgm`). Without them the same queries still give the same answers,
by scanning.
"""

from __future__ import annotations

import sqlite3
from functools import cache
from typing import Any

from sqlalchemy import exists, literal_column, or_, select, table, true, union
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.types import Boolean

from crm.creators.models import Account, Creator, CreatorTag

MIN_TRIGRAM = 3
SEPARATOR = "\x1f"  # between the fields of a search row; never part of a query
FTS_TABLE = "creator_search"


@cache
def fts5_available() -> bool:
    """Whether this SQLite library has FTS5 with the trigram tokenizer."""
    try:
        conn = sqlite3.connect(":memory:")
        try:
            conn.execute("CREATE VIRTUAL TABLE probe USING fts5(doc, tokenize='trigram')")
        finally:
            conn.close()
    except sqlite3.Error:
        return False
    return True


def like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _terms(q: str) -> list[str]:
    """The query as typed and without a leading @ (handles are stored without it)."""
    terms = [q]
    stripped = q.lstrip("@")
    if stripped and stripped != q:
        terms.append(stripped)
    return terms


def exact(q: str) -> ColumnElement[bool]:
    """The search's rule: the query anywhere in the name, email, a handle or a tag."""
    pattern = like_pattern(q)
    handle_pattern = like_pattern(q.lstrip("@"))
    return or_(
        Creator.search_name.like(pattern, escape="\\"),
        Creator.email.like(pattern, escape="\\"),
        exists().where(
            Account.creator_id == Creator.id,
            Account.handle_key.like(handle_pattern, escape="\\"),
        ),
        exists().where(
            CreatorTag.creator_id == Creator.id,
            CreatorTag.tag.like(pattern, escape="\\"),
        ),
    )


class IndexedCandidates(ColumnElement[bool]):
    """`creators.id IN (…)` from the trigram index of the database compiling it (always
    true where there is none). Narrows the rows `exact` then checks."""

    type = Boolean()
    inherit_cache = False

    def __init__(self, q: str):
        self.q = q


def _fts_query(q: str) -> str | None:
    phrases = [t for t in _terms(q) if len(t) >= MIN_TRIGRAM]
    if len(phrases) < len(_terms(q)):
        return None  # a term too short for trigrams: no narrowing
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in phrases)


@compiles(IndexedCandidates)
def _default(element: IndexedCandidates, compiler: Any, **kw: Any) -> str:
    return compiler.process(true(), **kw)


@compiles(IndexedCandidates, "sqlite")
def _sqlite(element: IndexedCandidates, compiler: Any, **kw: Any) -> str:
    query = _fts_query(element.q)
    if query is None or not fts5_available():
        return compiler.process(true(), **kw)
    fts = table(FTS_TABLE)
    rowids: Any = (
        select(literal_column("rowid"))
        .select_from(fts)
        .where(literal_column(FTS_TABLE).op("MATCH")(query))
    )
    return compiler.process(Creator.id.in_(rowids), **kw)


@compiles(IndexedCandidates, "postgresql")
def _postgresql(element: IndexedCandidates, compiler: Any, **kw: Any) -> str:
    pattern = like_pattern(element.q)
    handle_pattern = like_pattern(element.q.lstrip("@"))
    ids = union(
        select(Creator.id).where(Creator.search_name.like(pattern, escape="\\")),
        select(Creator.id).where(Creator.email.like(pattern, escape="\\")),
        select(Account.creator_id).where(Account.handle_key.like(handle_pattern, escape="\\")),
        select(CreatorTag.creator_id).where(CreatorTag.tag.like(pattern, escape="\\")),
    )
    return compiler.process(Creator.id.in_(ids), **kw)


def matches(q: str) -> ColumnElement[bool]:
    """The search condition for a (lower-cased) query: the index's candidates, then the
    exact rule."""
    return IndexedCandidates(q) & exact(q)


# --------------------------------------------------------------------------- the index DDL

_DOC = (
    "(SELECT cs.search_name || char(31) || coalesce(cs.email, '') || char(31) || "
    "coalesce((SELECT group_concat(a.handle_key, char(31)) FROM accounts a "
    "WHERE a.creator_id = cs.id), '') || char(31) || "
    "coalesce((SELECT group_concat(t.tag, char(31)) FROM creator_tags t "
    "WHERE t.creator_id = cs.id), '') FROM creators cs WHERE cs.id = {id})"
)


def _refresh(creator_id: str) -> str:
    # Fixed trigger bodies: `creator_id` is new.id, old.creator_id …, never user input.
    return (
        f"DELETE FROM {FTS_TABLE} WHERE rowid = {creator_id}; "  # noqa: S608  # nosec B608
        f"INSERT INTO {FTS_TABLE}(rowid, doc) SELECT {creator_id}, {_DOC.format(id=creator_id)} "
        f"WHERE EXISTS (SELECT 1 FROM creators WHERE id = {creator_id});"
    )


SQLITE_TRIGGERS = {
    "creator_search_ai": f"AFTER INSERT ON creators BEGIN {_refresh('new.id')} END",
    "creator_search_au": (
        f"AFTER UPDATE OF search_name, email ON creators BEGIN {_refresh('new.id')} END"
    ),
    "creator_search_ad": (
        f"AFTER DELETE ON creators BEGIN DELETE FROM {FTS_TABLE} WHERE rowid = old.id; END"  # noqa: S608  # nosec B608
    ),
    "creator_search_acc_ai": f"AFTER INSERT ON accounts BEGIN {_refresh('new.creator_id')} END",
    "creator_search_acc_au": (
        "AFTER UPDATE OF handle_key, creator_id ON accounts BEGIN "
        f"{_refresh('old.creator_id')} {_refresh('new.creator_id')} END"
    ),
    "creator_search_acc_ad": f"AFTER DELETE ON accounts BEGIN {_refresh('old.creator_id')} END",
    "creator_search_tag_ai": (
        f"AFTER INSERT ON creator_tags BEGIN {_refresh('new.creator_id')} END"
    ),
    "creator_search_tag_au": (
        "AFTER UPDATE ON creator_tags BEGIN "
        f"{_refresh('old.creator_id')} {_refresh('new.creator_id')} END"
    ),
    "creator_search_tag_ad": (
        f"AFTER DELETE ON creator_tags BEGIN {_refresh('old.creator_id')} END"
    ),
}

SQLITE_FILL = (
    f"INSERT INTO {FTS_TABLE}(rowid, doc) SELECT c.id, {_DOC.format(id='c.id')} FROM creators c"  # noqa: S608  # nosec B608
)

POSTGRES_INDEXES = {
    "ix_creators_search_name_trgm": ("creators", "search_name"),
    "ix_creators_email_trgm": ("creators", "email"),
    "ix_accounts_handle_key_trgm": ("accounts", "handle_key"),
    "ix_creator_tags_tag_trgm": ("creator_tags", "tag"),
}


def create_index(bind: Any, log: Any = print) -> str:
    """Create the search index on this connection's database (migration 0016); returns
    what was done, or why not."""
    from sqlalchemy import text

    dialect = bind.dialect.name
    if dialect == "sqlite":
        if not fts5_available():
            return "SQLite without FTS5 trigram: creator search scans"
        bind.exec_driver_sql(
            f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(doc, tokenize='trigram')"
        )
        for name, body in SQLITE_TRIGGERS.items():
            bind.exec_driver_sql(f"CREATE TRIGGER {name} {body}")
        bind.exec_driver_sql(SQLITE_FILL)
        return "SQLite FTS5 trigram index created"
    if dialect != "postgresql":
        return f"{dialect}: no trigram index"
    try:
        with bind.begin_nested():
            bind.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except Exception as exc:  # not installed on the server, or no privilege
        log(f"pg_trgm is not available ({exc.__class__.__name__}); creator search scans")
        return "pg_trgm unavailable: creator search scans"
    schema = bind.execute(
        text(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n "
            "ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'"
        )
    ).scalar()
    for name, (table_name, column) in POSTGRES_INDEXES.items():
        bind.exec_driver_sql(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table_name} "
            f'USING gin ({column} "{schema}".gin_trgm_ops)'
        )
    return "PostgreSQL pg_trgm indexes created"


def drop_index(bind: Any) -> None:
    dialect = bind.dialect.name
    if dialect == "sqlite":
        for name in SQLITE_TRIGGERS:
            bind.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
        bind.exec_driver_sql(f"DROP TABLE IF EXISTS {FTS_TABLE}")
    elif dialect == "postgresql":
        for name in POSTGRES_INDEXES:
            bind.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")
