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
        "/creators/?tag=%00&owner=any",
        "/creators/export.csv?tag=a%00b",
        "/api/v1/creators?tag=a%00b",
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


# --- one bounded integer field and one id coercion for every form ------------------------

NOT_WHOLE_NUMBERS = ["1_2", "²", "①", "١٢", "１２", "1e3", "0x10", "9" * 40, str(2**63), "1.0"]


@pytest.mark.parametrize("raw", NOT_WHOLE_NUMBERS)
def test_the_bounded_integer_field_refuses_what_int_would_take(app, raw):
    from flask_wtf import FlaskForm
    from werkzeug.datastructures import MultiDict

    from crm.web.fields import BoundedIntegerField, coerce_id

    class NumberForm(FlaskForm):
        class Meta:
            csrf = False

        count = BoundedIntegerField("Count", low=0, high=10**12)

    with app.test_request_context("/", method="POST"):
        form = NumberForm(formdata=MultiDict({"count": raw}))
        assert not form.validate()
        assert form.count.data is None
        assert "whole number" in form.count.errors[0]
        good = NumberForm(formdata=MultiDict({"count": " 12 "}))
        assert good.validate() and good.count.data == 12
    with pytest.raises(ValueError):
        coerce_id(raw)
    assert coerce_id("12") == 12


@pytest.mark.parametrize("raw", ["１", "¹", "1_0", "١"])
def test_a_task_assigned_with_other_digits_is_refused(client, login, db, raw):
    from sqlalchemy import func, select

    from crm.reminders.models import Reminder
    from tests.factories import UserFactory

    login("manager")
    # Users 1 and 10 exist whatever the others are, so a coerced id would be a valid choice.
    for _ in range(10):
        UserFactory(role="manager")
    before = db.scalar(select(func.count()).select_from(Reminder))
    response = post_form(
        client, "/tasks/", {"title": "Call", "due_on": "2030-01-01", "assignee_id": raw}
    )
    assert response.status_code == 422
    assert db.scalar(select(func.count()).select_from(Reminder)) == before


# --- the last day of the calendar ---------------------------------------------------------


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_date_filters_at_the_ends_of_the_calendar(client, login, api, product, day):
    login("admin")
    for url in (
        f"/audit/?since={day}&until={day}",
        f"/feedback/?since={day}&until={day}",
        f"/feedback/products/{product.id}/report?since={day}&until={day}",
    ):
        assert client.get(url).status_code == 200, url
    _user, headers = api("admin")
    for url in (f"/api/v1/audit?until={day}", f"/api/v1/feedback?until={day}"):
        assert client.get(url, headers=headers).status_code == 200, url


def test_day_bounds_never_overflow(app):
    from datetime import UTC, date, datetime

    from crm.common.timeutil import day_start_utc, utc_day_after

    assert utc_day_after(date(2026, 2, 28)) == datetime(2026, 3, 1, tzinfo=UTC)
    assert utc_day_after(date.max) == datetime.max.replace(tzinfo=UTC)
    first = datetime.min.replace(tzinfo=UTC)
    for zone in ("Pacific/Kiritimati", "Pacific/Pago_Pago"):
        app.config["CRM_TIMEZONE"] = zone
        try:
            with app.app_context():
                # In year 1 Pago Pago kept local mean time east of the date line (+12:37):
                # its first midnight is before the first instant there is.
                start = day_start_utc(date.min)
                assert start == first if zone == "Pacific/Pago_Pago" else start > first
                assert day_start_utc(date.max) <= datetime.max.replace(tzinfo=UTC)
        finally:
            app.config.pop("CRM_TIMEZONE", None)


@pytest.mark.parametrize("raw", ["²", "١٢", "1_0", "0", "1001", "9" * 40])
def test_the_registry_feed_refuses_odd_limits_and_cursors(client, api, raw):
    _user, headers = api("viewer")
    for arg in ("limit", "cursor"):
        if arg == "cursor" and raw in ("0", "1001"):
            continue  # real cursors
        response = client.get(f"/api/v1/registry/changes?{arg}={raw}", headers=headers)
        assert response.status_code == 422, (arg, response.get_data(as_text=True))
        assert arg in response.get_json()["errors"]


def test_a_webhook_signature_with_other_digits_is_not_valid():
    from crm.webhooks.services import sign, verify_signature

    good = sign("s3cret", 1700000000, "{}")
    assert verify_signature("s3cret", good, "{}")
    assert not verify_signature("s3cret", good.replace("t=1", "t=¹"), "{}")
    assert not verify_signature("s3cret", "t=²,v1=00", "{}")
