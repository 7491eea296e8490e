"""The creator list: search, filters, sort and keyset pages."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from crm.common.errors import Invalid
from crm.creators.listing import (
    CreatorFilters,
    iter_creators,
    list_creator_rows,
    list_creators,
    parse_filters,
)


def names(db, user, **filters) -> list[str]:
    page = list_creators(db, user, CreatorFilters(**filters), None, 200)
    return [c.display_name for c in page.items]


@pytest.fixture
def cast(db, make_user, make_creator):
    me, other = make_user("manager"), make_user("manager")
    make_creator(
        display_name="Maya Chen",
        owner=me,
        status="active",
        country="GB",
        email="maya@studio.example",
        accounts=[("youtube", "MayaCreates")],
        tags=["ai art"],
    )
    make_creator(
        display_name="Pixel Forge",
        owner=other,
        status="prospect",
        country="US",
        accounts=[("twitch", "pixelforge")],
        tags=["gaming"],
    )
    make_creator(display_name="Lena 100%_Real", status="paused", country="DE")
    return SimpleNamespace(me=me, other=other)


def test_search_covers_name_handle_email_and_tags(db, cast):
    assert names(db, cast.me, q="maya") == ["Maya Chen"]
    assert names(db, cast.me, q="@mayacreates") == ["Maya Chen"]
    assert names(db, cast.me, q="studio.example") == ["Maya Chen"]
    assert names(db, cast.me, q="gaming") == ["Pixel Forge"]
    # LIKE wildcards are matched literally.
    assert names(db, cast.me, q="100%_") == ["Lena 100%_Real"]
    assert names(db, cast.me, q="%") == ["Lena 100%_Real"]


def test_filters(db, cast):
    assert names(db, cast.me, status="paused") == ["Lena 100%_Real"]
    assert names(db, cast.me, owner="me") == ["Maya Chen"]
    assert names(db, cast.me, owner=str(cast.other.id)) == ["Pixel Forge"]
    assert "Lena 100%_Real" in names(db, cast.me, owner="none")
    assert names(db, cast.me, platform="twitch") == ["Pixel Forge"]
    assert names(db, cast.me, tag="ai art") == ["Maya Chen"]
    assert names(db, cast.me, country="DE") == ["Lena 100%_Real"]
    assert names(db, cast.me, country="GB", status="prospect") == []


def test_bad_filters_are_field_errors(cast):
    with pytest.raises(Invalid) as exc:
        parse_filters(
            {"status": "famous", "platform": "myspace", "country": "ZZ", "sort": "x", "owner": "y"},
            cast.me,
        )
    assert set(exc.value.errors) == {"status", "platform", "country", "sort", "owner"}


def test_managers_land_on_my_creators(cast, make_user):
    assert parse_filters({}, cast.me, default_mine=True).owner == "me"
    assert parse_filters({"owner": "any"}, cast.me, default_mine=True).owner == ""
    assert parse_filters({"q": "x"}, cast.me, default_mine=True).owner == ""
    assert parse_filters({}, make_user("viewer"), default_mine=True).owner == ""
    assert parse_filters({}, cast.me).owner == ""


def test_sorts(db, make_user, make_creator):
    user = make_user("admin")
    a = make_creator(display_name="Alpha", followers_total=10)
    b = make_creator(display_name="beta", followers_total=None)
    c = make_creator(display_name="Gamma", followers_total=500)
    a.last_interaction_at = datetime(2026, 1, 1, tzinfo=UTC)
    c.last_interaction_at = datetime(2026, 2, 1, tzinfo=UTC)
    a.created_at = datetime(2025, 1, 1, tzinfo=UTC)
    b.created_at = datetime(2025, 6, 1, tzinfo=UTC)
    c.created_at = datetime(2025, 3, 1, tzinfo=UTC)
    db.flush()
    assert names(db, user, sort="name") == ["Alpha", "beta", "Gamma"]
    assert names(db, user, sort="newest") == ["beta", "Gamma", "Alpha"]
    assert names(db, user, sort="last_interaction") == ["Gamma", "Alpha", "beta"]
    assert names(db, user, sort="followers") == ["Gamma", "Alpha", "beta"]


@pytest.mark.parametrize("sort", ["name", "newest", "last_interaction", "followers"])
def test_keyset_pages_visit_every_creator_once(db, make_user, make_creator, sort):
    user = make_user("admin")
    for n in range(23):
        c = make_creator(display_name=f"Creator {n % 5}", followers_total=(n % 4) * 10 or None)
        if n % 3:
            c.last_interaction_at = datetime(2026, 1, 1 + n % 4, tzinfo=UTC)
    db.flush()
    seen, cursor = [], None
    while True:
        page = list_creators(db, user, CreatorFilters(sort=sort), cursor, 4)
        seen.extend(c.id for c in page.items)
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert len(seen) == len(set(seen)) == 23
    assert [c.id for c in iter_creators(db, user, CreatorFilters(sort=sort), batch=5)] == seen


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"sort": "newest"},
        {"sort": "last_interaction"},
        {"sort": "followers"},
        {"q": "creator 1"},
        {"platform": "youtube", "sort": "followers"},
        {"tag": "tag-1"},
        {"owner": "none"},
    ],
)
def test_page_rows_are_the_models_pages_in_columns(db, make_user, make_creator, filters):
    """The creators page reads rows; they are the API's pages, field for field, cursor
    for cursor."""
    user = make_user("admin")
    owner = make_user("manager")
    for n in range(17):
        c = make_creator(
            display_name=f"Creator {n % 6}",
            owner=owner,
            owner_id=owner.id if n % 2 else None,
            email=f"c{n}@example.com" if n % 3 else None,
            country=("GB", "US", None)[n % 3],
            accounts=[("youtube", f"yt{n}"), ("tiktok", f"tt{n}")][: n % 3],
            tags=[f"tag-{n % 4}", "zz"][: n % 3],
            followers_total=(n % 4) * 10 or None,
        )
        if n % 2:
            c.last_interaction_at = datetime(2026, 1, 1 + n % 5, tzinfo=UTC)
    db.flush()
    cursor = row_cursor = None
    pages = 0
    while True:
        models = list_creators(db, user, CreatorFilters(**filters), cursor, 5)
        rows = list_creator_rows(db, user, CreatorFilters(**filters), row_cursor, 5)
        assert [
            (
                r.id,
                r.display_name,
                r.email,
                r.status,
                r.country,
                r.last_interaction_at,
                r.owner_name,
                [(a.platform, a.handle, a.followers) for a in r.accounts],
                r.tag_names,
            )
            for r in rows.items
        ] == [
            (
                c.id,
                c.display_name,
                c.email,
                c.status,
                c.country,
                c.last_interaction_at,
                c.owner.name if c.owner else None,
                [(a.platform, a.handle, a.followers) for a in c.accounts],
                c.tag_names,
            )
            for c in models.items
        ]
        assert rows.next_cursor == models.next_cursor
        pages += 1
        if not models.next_cursor:
            break
        cursor = row_cursor = models.next_cursor
    assert pages >= (2 if not filters else 1)
