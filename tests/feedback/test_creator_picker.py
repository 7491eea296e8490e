"""The new-feedback form takes the creator by name: never a list of every creator."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from crm.creators.picker import PICK_OPTIONS
from crm.feedback.models import Feedback
from tests.conftest import csrf_token, post_form


def _form(product, **kwargs):
    data = {
        "creator": "",
        "creator_id": "",
        "product_id": str(product.id),
        "grant_id": "",
        "category": "accessibility",
        "severity": "high",
        "title": "Voice input for prompts",
        "body": "",
        "reproduction": "",
        "duplicate_of": "",
    }
    data.update(kwargs)
    return data


def _notes(db) -> int:
    return db.scalar(select(func.count()).select_from(Feedback))


def _creator_error(page: str) -> str:
    found = re.search(r'id="creator-errors" class="invalid-feedback d-block">([^<]*)<', page)
    return found.group(1) if found else ""


def _options(page: str, name: str) -> list[str]:
    found = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S)
    return re.findall(r"<option[^>]*>([^<]*)</option>", found.group(1)) if found else []


def test_the_form_lists_no_creator_whatever_their_number(client, login, make_creator):
    for n in range(30):
        make_creator(display_name=f"Listed Person {n}")
    login("manager")
    page = client.get("/feedback/new").get_data(as_text=True)
    assert "Listed Person" not in page
    assert 'name="creator"' in page and 'placeholder="Name, handle or email"' in page
    assert _options(page, "creator_id") == []


def test_a_name_matching_one_creator_records_the_note(client, login, db, creator, product):
    login("manager")
    response = post_form(client, "/feedback/new", _form(product, creator="haddad"))
    assert response.status_code == 302
    note = db.scalar(select(Feedback))
    assert note.creator_id == creator.id


def test_a_handle_with_its_at_sign_finds_the_creator(client, login, db, make_creator, product):
    found = make_creator(display_name="Ilse Brandt", accounts=[("youtube", "@ilsemakes")])
    login("manager")
    response = post_form(client, "/feedback/new", _form(product, creator="@ilsemakes"))
    assert response.status_code == 302
    assert db.scalar(select(Feedback.creator_id)) == found.id


def test_an_unknown_name_is_an_error_beside_the_field_and_nothing_is_saved(
    client, login, db, creator, product
):
    login("manager")
    response = post_form(client, "/feedback/new", _form(product, creator="Zebulon Quartz"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert _creator_error(page) == "No creator matches “Zebulon Quartz”."
    # The rest of the form is kept as typed.
    assert 'value="Voice input for prompts"' in page and 'value="Zebulon Quartz"' in page
    assert _notes(db) == 0


def test_no_creator_at_all_is_required_and_other_errors_show_with_it(
    client, login, db, creator, product
):
    login("manager")
    response = post_form(client, "/feedback/new", _form(product, severity="urgent"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert _creator_error(page).startswith("is required")
    assert 'id="severity-errors"' in page
    assert _notes(db) == 0


@pytest.mark.parametrize(
    "creator_id",
    ["987654", "abc", "-1", "1e3", "99999999999999999999", "' OR 1=1 --"],
)
def test_an_unknown_or_garbage_creator_id_is_a_field_error(client, login, db, product, creator_id):
    login("manager")
    response = post_form(client, "/feedback/new", _form(product, creator_id=creator_id))
    assert response.status_code == 422
    assert _creator_error(response.get_data(as_text=True)) == "is not a known creator"
    assert _notes(db) == 0


def test_a_name_too_long_is_refused_inline(client, login, db, product):
    login("manager")
    response = post_form(client, "/feedback/new", _form(product, creator="x" * 201))
    assert response.status_code == 422
    assert "at most 200 characters" in _creator_error(response.get_data(as_text=True))
    assert _notes(db) == 0


def test_an_ambiguous_name_offers_the_few_that_match_then_records_the_choice(
    client, login, db, make_creator, product
):
    ann = make_creator(display_name="Ann Lee", email="ann@lee.example")
    make_creator(display_name="Anna Berg", email="anna@berg.example")
    make_creator(display_name="Joanne Park", email=None)
    make_creator(display_name="Bob Stone")
    login("manager")
    response = post_form(client, "/feedback/new", _form(product, creator="ann"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert _creator_error(page).startswith("3 creators match “ann”")
    assert _options(page, "creator_id") == [
        "— choose one —",
        "Ann Lee (ann@lee.example)",
        "Anna Berg (anna@berg.example)",
        "Joanne Park",
    ]
    assert _notes(db) == 0

    chosen = post_form(client, "/feedback/new", _form(product, creator="ann", creator_id=ann.id))
    assert chosen.status_code == 302
    assert db.scalar(select(Feedback.creator_id)) == ann.id


def test_a_whole_name_wins_over_names_that_contain_it(client, login, db, make_creator, product):
    ann = make_creator(display_name="Ann")
    make_creator(display_name="Annabel")
    login("manager")
    assert post_form(client, "/feedback/new", _form(product, creator="ANN")).status_code == 302
    assert db.scalar(select(Feedback.creator_id)) == ann.id


def test_a_common_name_offers_a_bounded_list(client, login, db, make_creator, product):
    for n in range(PICK_OPTIONS + 5):
        make_creator(display_name=f"Common Name {n:02d}")
    login("manager")
    response = post_form(client, "/feedback/new", _form(product, creator="common"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert _creator_error(page).startswith(f"More than {PICK_OPTIONS} creators match")
    assert len(_options(page, "creator_id")) == PICK_OPTIONS + 1


def test_an_id_that_does_not_match_the_retyped_name_picks_again(
    client, login, db, creator, make_creator, product
):
    other = make_creator(display_name="Mateo Ruiz")
    login("manager")
    data = _form(product, creator="Mateo Ruiz", creator_id=creator.id)
    assert post_form(client, "/feedback/new", data).status_code == 302
    assert db.scalar(select(Feedback.creator_id)) == other.id


def test_from_the_creator_page_the_preselected_creator_is_recorded(
    client, login, db, creator, make_creator, product
):
    # Another creator whose name contains this one's: the preselected id still decides.
    make_creator(display_name="Noor Haddad Studio")
    login("manager")
    page = client.get(f"/feedback/new?creator_id={creator.id}").get_data(as_text=True)
    assert 'value="Noor Haddad"' in page
    data = _form(product, creator="Noor Haddad", creator_id=str(creator.id))
    assert post_form(client, "/feedback/new", data).status_code == 302
    assert db.scalar(select(Feedback.creator_id)) == creator.id


def test_a_bad_creator_id_in_the_link_is_not_a_server_error(client, login):
    login("manager")
    assert client.get("/feedback/new?creator_id=987654").status_code == 404
    assert client.get("/feedback/new?creator_id=abc").status_code == 200


def test_the_form_runs_a_bounded_number_of_queries(
    client, login, db, make_creator, product, count_queries
):
    login("manager")
    for n in range(40):
        make_creator(display_name=f"Many {n}")
    with count_queries() as opened:
        assert client.get("/feedback/new").status_code == 200
    token = csrf_token(client)
    with count_queries() as ambiguous:
        response = post_form(
            client, "/feedback/new", _form(product, creator="many", csrf_token=token)
        )
    assert response.status_code == 422
    assert opened.count <= 12, opened.statements
    assert ambiguous.count <= 12, ambiguous.statements
