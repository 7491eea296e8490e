"""Suggestions while typing a creator's name: the picker's rule, ten at most, staff only."""

from __future__ import annotations

import pytest

from crm.creators.picker import SUGGEST_LIMIT, pick_creator
from tests.portal.conftest import make_portal_account, portal_log_in  # noqa: F401 (fixture)


def _names(response) -> list[str]:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    return [c["name"] for c in response.get_json()["creators"]]


def test_a_part_of_a_name_suggests_the_creators_it_matches(client, login, make_creator):
    noor = make_creator(display_name="Noor Haddad", email="noor@example.com")
    make_creator(display_name="Nadia Haddadi", email=None, accounts=[("youtube", "@nadiamakes")])
    make_creator(display_name="Ilse Brandt")
    login("viewer")
    body = client.get("/creators/suggest?q=HADDA").get_json()
    assert body["creators"] == [
        {
            "id": body["creators"][0]["id"],
            "name": "Nadia Haddadi",
            "email": None,
            "handle": "@nadiamakes",
        },
        {"id": noor.id, "name": "Noor Haddad", "email": "noor@example.com", "handle": None},
    ]


def test_a_handle_or_an_email_suggests_its_creator(client, login, make_creator):
    make_creator(
        display_name="Ilse Brandt", accounts=[("tiktok", "ilse_old"), ("youtube", "ilsemakes")]
    )
    make_creator(display_name="Tomas Vik", email="tv@studio-vik.example")
    login("legal")
    found = client.get("/creators/suggest?q=@ilsem").get_json()["creators"]
    # The handle shown is the one that matched, not merely the first one.
    assert [(c["name"], c["handle"]) for c in found] == [("Ilse Brandt", "ilsemakes")]
    assert _names(client.get("/creators/suggest?q=studio-vik")) == ["Tomas Vik"]


def test_the_suggestions_are_what_the_picker_would_offer(client, login, db, make_creator):
    for n in range(3):
        make_creator(display_name=f"Lumen Maker {n}")
    make_creator(display_name="Lumen Maker")
    make_creator(display_name="Lumen Maker 9", archived=True)
    login("manager")
    suggested = _names(client.get("/creators/suggest?q=lumen maker"))
    # The whole name first, then by name; never an archived creator.
    assert suggested == ["Lumen Maker", "Lumen Maker 0", "Lumen Maker 1", "Lumen Maker 2"]
    # What a submit of the same text would offer to choose from, in the same order.
    offered = [c.name for c in pick_creator(db, "lumen mak").candidates]
    assert _names(client.get("/creators/suggest?q=Lumen Mak")) == offered
    assert offered == suggested


def test_at_most_ten_are_suggested(client, login, make_creator):
    for n in range(SUGGEST_LIMIT + 5):
        make_creator(display_name=f"Orla Quinn {n:02d}")
    login("manager")
    names = _names(client.get("/creators/suggest?q=orla"))
    assert SUGGEST_LIMIT == 10
    assert names == [f"Orla Quinn {n:02d}" for n in range(10)]


@pytest.mark.parametrize("q", ["", "n", " n ", None])
def test_fewer_than_two_characters_suggest_nothing(client, login, make_creator, q):
    make_creator(display_name="Noor Haddad")
    login("manager")
    url = "/creators/suggest" if q is None else f"/creators/suggest?q={q}"
    assert _names(client.get(url)) == []


def test_nothing_matching_is_an_empty_list(client, login, make_creator):
    make_creator(display_name="Noor Haddad")
    login("manager")
    assert _names(client.get("/creators/suggest?q=zebulon")) == []


@pytest.mark.parametrize(
    "q",
    ["a" * 201, "noor\x00", "noor\x1fhaddad", "no\nor"],
    ids=["too-long", "nul", "separator", "newline"],
)
def test_a_query_no_name_can_contain_is_a_422_problem(client, login, make_creator, q):
    make_creator(display_name="Noor Haddad")
    login("manager")
    response = client.get("/creators/suggest", query_string={"q": q})
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["errors"]["q"]


@pytest.mark.parametrize("q", ["%", "%%", "__", "\\%", "'; drop table creators; --", '"no"'])
def test_like_wildcards_and_quotes_are_plain_text(client, login, make_creator, q):
    make_creator(display_name="Noor Haddad")
    login("manager")
    assert _names(client.get("/creators/suggest", query_string={"q": q})) == []


def test_anonymous_users_are_sent_to_log_in(client, make_creator):
    make_creator(display_name="Noor Haddad")
    response = client.get("/creators/suggest?q=noor")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert "Noor" not in response.get_data(as_text=True)


def test_a_creator_logged_in_to_the_portal_gets_no_suggestions(
    app,
    db,
    make_creator,
    make_portal_account,  # noqa: F811 (fixture)
):
    make_creator(display_name="Noor Haddad")
    account = make_portal_account(make_creator(display_name="Maya Lens"))
    portal = app.test_client()
    assert portal_log_in(portal, account).status_code == 302
    response = portal.get("/creators/suggest?q=noor")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert "Noor" not in response.get_data(as_text=True)


def test_one_request_costs_at_most_three_statements(client, login, make_creator, count_queries):
    for n in range(15):
        make_creator(display_name=f"Orla Quinn {n:02d}", accounts=[("youtube", f"orla{n}")])
    login("manager")
    client.get("/creators/suggest?q=orla")  # warm the request path (settings, caches)
    with count_queries() as counter:
        names = _names(client.get("/creators/suggest?q=orla"))
    assert len(names) == 10
    assert counter.count <= 3, counter.statements
