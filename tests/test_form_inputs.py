"""Ids typed into forms and query strings that the form fuzzing found crashing pages."""

from __future__ import annotations

import pytest

from tests.conftest import post_form

ODD_IDS = ["9" * 60_000, "0" * 60_000 + "1", "99999999999999999999999", str(2**31), "²", "１２"]


@pytest.mark.parametrize("raw", ODD_IDS)
def test_a_task_about_an_odd_creator_id_is_not_a_crash(client, login, raw):
    user = login("manager")
    response = post_form(
        client,
        "/tasks/",
        {"title": "Call", "due_on": "2030-01-01", "assignee_id": user.id, "creator_id": raw},
    )
    assert response.status_code < 500
    assert client.get(f"/tasks/?creator_id={raw}").status_code == 200


@pytest.mark.parametrize("path", ["/agreements/deals/new", "/agreements/grants/new"])
@pytest.mark.parametrize("raw", ODD_IDS)
def test_a_new_agreement_for_an_odd_creator_id_is_404(client, login, path, raw):
    login("manager")
    assert client.get(f"{path}?creator_id={raw}").status_code == 404
    assert post_form(client, path, {"creator_id": raw}).status_code == 404


@pytest.mark.parametrize("raw", ODD_IDS)
def test_feedback_filters_and_forms_take_odd_ids(client, login, raw):
    login("manager")
    assert client.get(f"/feedback/?creator_id={raw}").status_code < 500
    assert client.get(f"/feedback/new?creator_id={raw}").status_code < 500
    response = post_form(client, "/feedback/new", {"creator_id": raw, "product_id": raw})
    assert response.status_code == 422


@pytest.mark.parametrize("raw", ODD_IDS)
def test_audit_filter_with_an_odd_actor_id_is_a_field_error(client, login, raw):
    login("admin")
    assert client.get(f"/audit/?actor_id={raw}").status_code in (200, 422)


@pytest.mark.parametrize("raw", ODD_IDS)
def test_api_filters_with_odd_ids_are_field_errors(client, api, raw):
    _user, headers = api("manager")
    assert client.get(f"/api/v1/feedback?creator_id={raw}", headers=headers).status_code == 422
    assert client.get(f"/api/v1/registry.json?limit={raw}", headers=headers).status_code == 422
    assert client.get(f"/api/v1/submissions?creator_id={raw}", headers=headers).status_code < 500


@pytest.mark.parametrize("name", ["\x00", "a\x00b", "bell\x07"])
def test_a_saved_view_name_with_control_codes_is_refused(client, db, login, name):
    from sqlalchemy import func, select

    from crm.creators.models import SavedView

    login("manager")
    response = post_form(client, "/creators/views", {"name": name, "q": "x"})
    assert response.status_code == 422
    assert db.scalar(select(func.count()).select_from(SavedView)) == 0


@pytest.mark.parametrize(
    "url",
    [
        "/creators/?q=a%00b",
        "/feedback/?q=a%00b",
        "/review/?creator_id=%00",
        "/api/v1/creators?q=a%00b",
        "/api/v1/feedback?q=a%00b",
        "/api/v1/works?creator_id=%00",
    ],
)
def test_a_nul_in_a_search_is_not_a_crash(client, login, api, url):
    login("admin")
    _user, headers = api("admin")
    assert client.get(url, headers=headers).status_code < 500
