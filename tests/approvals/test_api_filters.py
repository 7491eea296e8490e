"""`GET /api/v1/submissions` filters as the submissions page does: status, platform, the
creator by id or by name (`q`), in SQL, page by page, and a 422 problem naming a bad field."""

from __future__ import annotations

import re

import pytest

from crm.api.openapi import build_spec
from crm.creators.models import PLATFORMS
from tests.factories import AccountFactory, CreatorFactory

URL = "/api/v1/submissions"


@pytest.fixture
def listed(world, db):
    noor = CreatorFactory(display_name="Noor Haddad")
    mateo = CreatorFactory(display_name="Mateo Ruiz", email="mateo@ruiz.example")
    AccountFactory(creator_id=noor.id, platform="tiktok", handle="@noorbakes")
    world.submission("in_review", title="Noor reel", creator_id=noor.id, platform="instagram")
    world.submission("draft", title="Noor short", creator_id=noor.id, platform="youtube")
    world.submission("approved", title="Mateo clip", creator_id=mateo.id, platform="tiktok")
    world.submission("in_review", title="Mateo story", creator_id=mateo.id, platform="instagram")
    db.flush()
    return noor, mateo


@pytest.fixture
def get(client, api):
    _user, headers = api("viewer")

    def do(query: str):
        return client.get(f"{URL}?{query}", headers=headers)

    return do


def _titles(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return sorted(item["title"] for item in response.get_json()["items"])


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=in_review", ["Mateo story", "Noor reel"]),
        ("status=draft", ["Noor short"]),
        ("platform=tiktok", ["Mateo clip"]),
        ("platform=instagram", ["Mateo story", "Noor reel"]),
        ("platform=twitch", []),
        ("q=RUIZ", ["Mateo clip", "Mateo story"]),  # any part of the name, any case
        ("q=mateo@ruiz.ex", ["Mateo clip", "Mateo story"]),  # the email
        ("q=@noorbakes", ["Noor reel", "Noor short"]),  # a handle, with or without the @
        ("q=%20%20haddad%20", ["Noor reel", "Noor short"]),  # spaces around it ignored
        ("q=%25", []),  # a LIKE wildcard is matched as typed
        ("q=", ["Mateo clip", "Mateo story", "Noor reel", "Noor short"]),
    ],
)
def test_each_filter_alone(get, listed, query, expected):
    assert _titles(get(query)) == expected


def test_creator_id_alone(get, listed):
    noor, mateo = listed
    assert _titles(get(f"creator_id={noor.id}")) == ["Noor reel", "Noor short"]
    assert _titles(get(f"creator_id={mateo.id}")) == ["Mateo clip", "Mateo story"]


def test_filters_combine(get, listed):
    noor, mateo = listed
    assert _titles(get("status=in_review&platform=instagram&q=noor")) == ["Noor reel"]
    assert _titles(get("status=in_review&q=ruiz")) == ["Mateo story"]
    assert _titles(get(f"platform=instagram&creator_id={mateo.id}")) == ["Mateo story"]
    assert _titles(get("platform=tiktok&status=draft")) == []
    # The id and the name both hold: a name that is not that creator's matches nothing.
    assert _titles(get(f"creator_id={noor.id}&q=ruiz")) == []


def test_the_api_and_the_page_answer_alike(client, login, get, listed):
    """One rule: the page's `creator` box and the API's `q` pick the same submissions."""
    login("manager")
    for query in ("status=in_review&creator=noor", "platform=instagram&creator=RUIZ"):
        page = client.get(f"/submissions/?{query}").get_data(as_text=True)
        shown = re.findall(r'<td class="cell-title"><a href="/submissions/\d+">([^<]*)</a>', page)
        assert _titles(get(query.replace("creator=", "q="))) == sorted(shown) != []


def test_the_next_page_keeps_the_filters(get, listed, world, db):
    noor, mateo = listed
    for n in range(3):
        world.submission("in_review", title=f"Extra {n}", creator_id=noor.id, platform="instagram")
    # Newer than every match: without the filters the next page would begin with these.
    for n in range(3):
        world.submission("in_review", title=f"Other {n}", creator_id=mateo.id, platform="instagram")
    db.flush()
    query = "status=in_review&platform=instagram&q=noor&limit=2"
    seen, cursor, pages = [], None, 0
    while True:
        response = get(query + (f"&cursor={cursor}" if cursor else ""))
        body = response.get_json()
        assert response.status_code == 200, body
        assert len(body["items"]) <= 2
        seen += [item["title"] for item in body["items"]]
        assert all(
            i["creator_id"] == noor.id and i["platform"] == "instagram" for i in body["items"]
        )
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 2
    assert sorted(seen) == ["Extra 0", "Extra 1", "Extra 2", "Noor reel"]
    assert seen == ["Extra 2", "Extra 1", "Extra 0", "Noor reel"]  # newest first, no repeats


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=famous", "status"),
        ("status=IN_REVIEW", "status"),
        ("platform=myspace", "platform"),
        ("creator_id=abc", "creator_id"),
        ("creator_id=1.5", "creator_id"),
        ("creator_id=0", "creator_id"),
        ("creator_id=-5", "creator_id"),
        ("creator_id=99999999999999999999999", "creator_id"),
        ("q=" + "x" * 201, "q"),
        ("q=a%00b", "q"),
        ("q=a%0Ab", "q"),
        ("q=a%7Fb", "q"),
    ],
)
def test_a_bad_value_is_a_422_problem_naming_the_field(get, listed, query, field):
    response = get(query)
    assert response.status_code == 422
    assert response.content_type.startswith("application/problem+json")
    problem = response.get_json()
    assert problem["status"] == 422
    assert list(problem["errors"]) == [field]
    assert problem["errors"][field]


def test_every_bad_field_is_named_at_once(get, listed):
    problem = get("status=nope&platform=nope&creator_id=x&q=a%01").get_json()
    assert set(problem["errors"]) == {"status", "platform", "creator_id", "q"}


def test_a_name_of_the_longest_length_is_a_filter_not_an_error(get, listed):
    assert _titles(get("q=" + "x" * 200)) == []


def test_the_filtered_list_runs_a_bounded_number_of_queries(get, listed, world, db, count_queries):
    noor, _ = listed
    query = "status=in_review&platform=instagram&q=noor"
    get(query)  # the token's first use records it (an UPDATE no later call repeats)
    db.expire_all()  # both counts start from the same (empty) identity map
    with count_queries() as few:
        assert len(get(query).get_json()["items"]) == 1
    for n in range(30):
        world.submission("in_review", title=f"Many {n}", creator_id=noor.id, platform="instagram")
    db.flush()
    db.expire_all()
    with count_queries() as many:
        assert len(get(query).get_json()["items"]) == 31
    assert few.count == many.count, many.statements


def test_the_description_lists_the_filters(app):
    operation = build_spec(app)["paths"][URL]["get"]
    params = {p["name"]: p["schema"] for p in operation["parameters"] if p["in"] == "query"}
    assert set(params) == {"status", "platform", "creator_id", "q", "limit", "cursor"}
    assert params["platform"]["enum"] == list(PLATFORMS)
    assert params["q"]["maxLength"] == 200
    assert "422" in operation["responses"]
