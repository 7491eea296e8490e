"""The submissions list as a creator-relations manager filters it: status, platform, creator."""

from __future__ import annotations

import re

import pytest

from tests.factories import CreatorFactory


def _titles(page: str) -> list[str]:
    return re.findall(r'<td class="cell-title"><a href="/submissions/\d+">([^<]*)</a>', page)


def _count(page: str) -> str:
    return re.search(r'<p class="result-count[^"]*">([^<]*)</p>', page).group(1)


@pytest.fixture
def listed(world, db):
    noor = CreatorFactory(display_name="Noor Haddad")
    mateo = CreatorFactory(display_name="Mateo Ruiz", email="mateo@ruiz.example")
    world.submission("in_review", title="Noor reel", creator_id=noor.id, platform="instagram")
    world.submission("draft", title="Noor short", creator_id=noor.id, platform="youtube")
    world.submission("approved", title="Mateo clip", creator_id=mateo.id, platform="tiktok")
    world.submission("in_review", title="Mateo story", creator_id=mateo.id, platform="instagram")
    db.flush()
    return noor, mateo


def test_filters_combine_with_the_count(client, login, listed):
    login("manager")
    page = client.get("/submissions/?status=in_review").get_data(as_text=True)
    assert sorted(_titles(page)) == ["Mateo story", "Noor reel"]
    assert _count(page) == "2 submissions"
    page = client.get("/submissions/?platform=instagram&creator=noor").get_data(as_text=True)
    assert _titles(page) == ["Noor reel"]
    assert _count(page) == "1 submission"
    page = client.get("/submissions/?platform=tiktok&status=draft").get_data(as_text=True)
    assert _titles(page) == [] and "No submissions match." in page


def test_creator_by_name_or_email_and_by_id(client, login, listed):
    noor, _mateo = listed
    login("manager")
    page = client.get("/submissions/?creator=RUIZ").get_data(as_text=True)
    assert sorted(_titles(page)) == ["Mateo clip", "Mateo story"]
    page = client.get("/submissions/?creator=mateo@ruiz.ex").get_data(as_text=True)
    assert sorted(_titles(page)) == ["Mateo clip", "Mateo story"]
    by_id = client.get(f"/submissions/?creator_id={noor.id}").get_data(as_text=True)
    assert sorted(_titles(by_id)) == ["Noor reel", "Noor short"]
    # The link's creator shows by name in the box.
    assert 'name="creator" type="search" maxlength="200"' in by_id
    assert 'value="Noor Haddad"' in by_id
    # LIKE wildcards are matched as typed, not as wildcards.
    assert _titles(client.get("/submissions/?creator=%25").get_data(as_text=True)) == []


def test_the_form_shows_the_filters_in_words_and_as_chosen(client, login, listed):
    login("manager")
    page = client.get("/submissions/?status=changes_requested&platform=youtube").get_data(
        as_text=True
    )
    assert '<option value="changes_requested" selected>Changes requested</option>' in page
    assert '<option value="youtube" selected>YouTube</option>' in page
    assert '<option value="tiktok">TikTok</option>' in page


def test_the_next_page_keeps_the_filters(client, login, world, listed, db):
    noor, _ = listed
    for n in range(3):
        world.submission("in_review", title=f"Extra {n}", creator_id=noor.id, platform="instagram")
    db.flush()
    login("manager")
    first = client.get("/submissions/?status=in_review&platform=instagram&creator=noor&limit=2")
    page = first.get_data(as_text=True)
    assert len(_titles(page)) == 2 and _count(page) == "4 submissions"
    href = re.search(r'<a class="btn btn-outline-primary" rel="next" href="([^"]+)"', page)
    link = href.group(1).replace("&amp;", "&")
    for part in ("status=in_review", "platform=instagram", "creator=noor", "limit=2", "cursor="):
        assert part in link
    second = client.get(link).get_data(as_text=True)
    assert len(_titles(second)) == 2
    assert set(_titles(second)).isdisjoint(_titles(page))
    assert all(t.startswith(("Noor", "Extra")) for t in _titles(second))


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=famous", "status"),
        ("platform=myspace", "platform"),
        ("creator_id=abc", "creator_id"),
        ("creator_id=-5", "creator_id"),
        ("creator_id=99999999999999999999999", "creator_id"),
        ("creator=" + "x" * 201, "creator"),
        ("creator=a%00b", "creator"),
        ("creator=a%7Fb", "creator"),
    ],
)
def test_bad_filters_are_field_errors_not_server_errors(client, login, listed, query, field):
    login("manager")
    response = client.get(f"/submissions/?{query}")
    assert response.status_code == 422
    assert f"<strong>{field}</strong>" in response.get_data(as_text=True)


def test_a_garbage_cursor_or_limit_is_not_a_server_error(client, login, listed):
    login("manager")
    assert client.get("/submissions/?cursor=%%%garbage").status_code < 500
    assert client.get("/submissions/?limit=lots").status_code < 500


def test_the_list_runs_a_bounded_number_of_queries(client, login, world, db, count_queries):
    login("manager")
    people = [CreatorFactory(display_name=f"Person {n}") for n in range(3)]
    world.submission("in_review", title="One", creator_id=people[0].id)
    db.flush()
    url = "/submissions/?status=in_review&platform=instagram&creator=person"
    with count_queries() as few:
        assert client.get(url).status_code == 200
    for n in range(30):
        world.submission("in_review", title=f"Many {n}", creator_id=people[n % 3].id)
    db.flush()
    with count_queries() as many:
        page = client.get(url).get_data(as_text=True)
    assert len(_titles(page)) == 31
    assert few.count == many.count, many.statements
    assert many.count <= 12, many.statements
