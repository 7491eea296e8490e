"""Planned posts and embargoes read in the viewer's zone and the organisation's: the same
post must not look like 11:00 to a manager in New York and 15:00 to legal in London without
both of them seeing which zone is which."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from crm.common.timeutil import org_today
from tests.approvals.conftest import PLANNED
from tests.conftest import log_in

NEW_YORK, LONDON = ZoneInfo("America/New_York"), ZoneInfo("Europe/London")


@pytest.fixture
def london(app, monkeypatch):
    monkeypatch.setitem(app.config, "CRM_TIMEZONE", "Europe/London")


def test_manager_in_new_york_sees_the_planned_time_in_both_zones(
    app, client, db, london, world, make_user
):
    assert PLANNED.isoformat() == "2026-03-20T15:00:00+00:00"  # New York on EDT, London on GMT
    sub = world.submission(body="#ad First look at the Nova")
    with app.app_context():
        lifts_on = org_today() + timedelta(days=40)
    world.nova.public_on = lifts_on
    db.flush()
    log_in(client, make_user("manager", timezone="America/New_York"))

    page = client.get(f"/submissions/{sub.id}").get_data(as_text=True)
    assert (
        '<time datetime="2026-03-20T11:00-04:00" class="when">20 Mar 2026, 11:00 EDT</time> · '
        '<time datetime="2026-03-20T15:00+00:00" class="when when-org">'
        "15:00 GMT (organisation)</time>"
    ) in page

    # The embargo lifts at midnight of the release day in London, the day R4 counts.
    lifts = datetime.combine(lifts_on, time(), LONDON)
    mine, theirs = lifts.astimezone(NEW_YORK), lifts
    expected_mine = f"{mine.day} {mine:%b %Y}, {mine:%H:%M} {mine.tzname()}"
    expected_theirs = f"{theirs.day} {theirs:%b %Y}, 00:00 {theirs.tzname()} (organisation)"
    assert "Embargo" in page and "<strong>Nova Pro</strong>: embargo lifts" in page
    assert f">{expected_mine}</time>" in page and f">{expected_theirs}</time>" in page

    listing = client.get("/submissions/").get_data(as_text=True)
    assert "20 Mar 2026, 11:00 EDT" in listing and "15:00 GMT (organisation)" in listing


def test_legal_in_the_organisations_zone_sees_one_reading(client, db, london, world, make_user):
    sub = world.submission()
    log_in(client, make_user("legal", timezone="Europe/London"))
    page = client.get(f"/review/{sub.id}").get_data(as_text=True)
    assert ">20 Mar 2026, 15:00 GMT</time>" in page
    assert "(organisation)" not in page
    assert "Embargo" not in page  # Nova Pro is public, Zephyr not named


def test_review_page_shows_both_zones_and_an_embargo_without_a_date(
    client, db, london, world, make_user
):
    sub = world.submission(body="#ad Soon: ZP-9")
    log_in(client, make_user("legal", timezone="Asia/Tokyo"))
    page = client.get(f"/review/{sub.id}").get_data(as_text=True)
    assert ">21 Mar 2026, 00:00 JST</time>" in page
    assert ">20 Mar 2026, 15:00 GMT (organisation)</time>" in page
    assert "<strong>Zephyr</strong>: no public date yet" in page


def test_the_new_submission_form_names_the_zone_typed_times_are_read_in(client, login, world):
    login("manager", timezone="America/Chicago")
    page = client.get("/submissions/new").get_data(as_text=True)
    assert "In your time zone, America/Chicago" in page
