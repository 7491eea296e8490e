"""The creator search's trigram index (SQLite FTS5 trigram, PostgreSQL pg_trgm): the same
answers as the plain LIKE rule, kept up to date by the database, and used by the query."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, text

from crm.creators import search
from crm.creators.models import Account, Creator, CreatorTag
from crm.db import get_db


def _found(db, q: str) -> set[int]:
    return set(db.scalars(select(Creator.id).where(search.matches(q.lower()))))


def _plain(db, q: str) -> set[int]:
    return set(db.scalars(select(Creator.id).where(search.exact(q.lower()))))


@pytest.fixture
def people(make_creator):
    return {
        "maya": make_creator(
            display_name="Maya Lindqvist",
            search_name="maya lindqvist",
            email="maya@studio.example.com",
            accounts=[("youtube", "@mayamakes")],
            tags=["ceramics"],
        ),
        "omar": make_creator(
            display_name="Omar Farouk",
            search_name="omar farouk",
            email="omar@plays.example.com",
            accounts=[("tiktok", "@omarplays")],
            tags=["speedrun"],
        ),
    }


@pytest.mark.parametrize(
    "q",
    [
        "lindq",
        "Farouk",
        "studio.example",
        "@mayamakes",
        "mayamakes",
        "amic",
        "speedrun",
        "ma",
        "a",
        "nobody here",
        "ya li",
        "q\x1fm",
        "%",
        "_a",
        'o"m',
    ],
)
def test_the_index_gives_the_plain_rules_answers(db, people, q):
    assert _found(db, q) == _plain(db, q)


def test_the_index_follows_renames_handles_and_tags(db, people):
    maya = people["maya"]
    assert _found(db, "lindqvist") == {maya.id}
    maya.search_name = "maya berg"
    db.flush()
    assert _found(db, "lindqvist") == set() and _found(db, "berg") == {maya.id}

    db.add(CreatorTag(creator_id=maya.id, tag="glazing"))
    db.flush()
    assert _found(db, "glazi") == {maya.id}
    db.execute(delete(CreatorTag).where(CreatorTag.tag == "glazing"))
    db.flush()
    assert _found(db, "glazi") == set()

    account = db.scalar(select(Account).where(Account.creator_id == maya.id))
    account.handle_key = "potterymaya"
    db.flush()
    assert _found(db, "pottery") == {maya.id} and _found(db, "mayamakes") == set()


def test_the_query_reads_the_index(app, db, people):
    engine = get_db(app).engine
    stmt = select(Creator.id).where(search.matches("lindq"))
    sql = str(stmt.compile(dialect=engine.dialect))
    if engine.dialect.name == "sqlite":
        if not search.fts5_available():
            pytest.skip("this SQLite has no FTS5 trigram tokenizer")
        assert "creator_search MATCH" in sql
        assert db.scalar(text("SELECT count(*) FROM creator_search")) >= 2
    else:
        assert "UNION" in sql
        indexes = set(
            db.scalars(text("SELECT indexname FROM pg_indexes WHERE indexname LIKE '%_trgm'"))
        )
        if not indexes:
            pytest.skip("pg_trgm is not available on this server: the search scans")
        assert set(search.POSTGRES_INDEXES) <= indexes


def test_the_list_page_searches_through_the_index(app, client, db, login, people, count_queries):
    login("viewer")
    with count_queries() as counter:
        page = client.get("/creators/?q=lindq&owner=any").get_data(as_text=True)
    assert "Maya Lindqvist" in page and "Omar Farouk" not in page
    searched = [s for s in counter.statements if "like" in s.lower()]
    assert searched
    if get_db(app).engine.dialect.name == "sqlite" and search.fts5_available():
        assert all("creator_search MATCH" in s for s in searched)
