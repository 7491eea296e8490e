"""Times for people: every time carries its zone, in the viewer's zone, with the
organisation's reading beside it where it differs; days do not wrap."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from flask_login import login_user

from crm.common.timefmt import format_day, format_moment, in_zones, viewer_zone, zone_label
from crm.web import times
from tests.factories import UserFactory

WINTER = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)
SUMMER = datetime(2026, 7, 3, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "moment", "label"),
    [
        ("America/New_York", WINTER, "EST"),
        ("America/New_York", SUMMER, "EDT"),
        ("Europe/London", SUMMER, "BST"),
        ("UTC", WINTER, "UTC"),
        ("America/Sao_Paulo", WINTER, "UTC-03:00"),  # the tz database says "-03"
        ("Asia/Kathmandu", WINTER, "UTC+05:45"),
        ("Asia/Dubai", WINTER, "UTC+04:00"),
    ],
)
def test_zone_label_is_the_abbreviation_or_the_offset(zone, moment, label):
    from zoneinfo import ZoneInfo

    assert zone_label(moment.astimezone(ZoneInfo(zone))) == label


def test_a_time_reads_with_its_day_and_zone():
    assert format_moment(WINTER, "America/New_York") == "3 Dec 2026, 10:00 EST"
    assert format_moment(SUMMER, "America/New_York") == "3 Jul 2026, 11:00 EDT"
    assert format_moment(WINTER, "Asia/Tokyo") == "4 Dec 2026, 00:00 JST"
    assert format_moment(WINTER, "UTC", seconds=True) == "3 Dec 2026, 15:00:00 UTC"
    assert format_moment(WINTER, "Europe/Paris", with_day=False) == "16:00 CET"
    # A naive value is UTC, as everything stored is.
    assert format_moment(datetime(2026, 12, 3, 15, 0), "America/New_York").endswith("10:00 EST")
    assert format_day(date(2026, 1, 9)) == "9 Jan 2026"


def test_daylight_saving_changes_the_label_at_the_instant_it_happens():
    # New York springs forward on 8 March 2026 at 02:00 local (07:00 UTC).
    before = datetime(2026, 3, 8, 6, 59, tzinfo=UTC)
    after = datetime(2026, 3, 8, 7, 0, tzinfo=UTC)
    assert format_moment(before, "America/New_York") == "8 Mar 2026, 01:59 EST"
    assert format_moment(after, "America/New_York") == "8 Mar 2026, 03:00 EDT"
    # Between New York's change and London's (29 March) the gap is four hours, not five.
    gap = in_zones(datetime(2026, 3, 20, 15, 0, tzinfo=UTC), "America/New_York", "Europe/London")
    assert [r.text for r in gap] == ["20 Mar 2026, 11:00 EDT", "15:00 GMT (organisation)"]


def test_both_zones_only_when_they_read_differently():
    both = in_zones(WINTER, "America/New_York", "UTC")
    assert [r.text for r in both] == ["3 Dec 2026, 10:00 EST", "15:00 UTC (organisation)"]
    assert [r.org for r in both] == [False, True]
    assert both[0].iso == "2026-12-03T10:00-05:00" and both[1].iso == "2026-12-03T15:00+00:00"
    # Same offset and abbreviation: one reading is enough.
    assert [r.text for r in in_zones(WINTER, "America/New_York", "America/Toronto")] == [
        "3 Dec 2026, 10:00 EST"
    ]
    assert len(in_zones(WINTER, "UTC", "UTC")) == 1
    # The organisation's reading names its day when that day is not the user's.
    late = in_zones(datetime(2026, 12, 4, 2, 30, tzinfo=UTC), "America/New_York", "Europe/Paris")
    assert [r.text for r in late] == [
        "3 Dec 2026, 21:30 EST",
        "4 Dec 2026, 03:30 CET (organisation)",
    ]
    clock = in_zones(WINTER, "America/New_York", "UTC", with_day=False)
    assert [r.text for r in clock] == ["10:00 EST", "15:00 UTC (organisation)"]


def test_viewer_zone_falls_back_to_the_organisation(app, monkeypatch):
    monkeypatch.setitem(app.config, "CRM_TIMEZONE", "Europe/Berlin")
    with app.app_context():
        assert viewer_zone(UserFactory.build(timezone="Asia/Tokyo")) == "Asia/Tokyo"
        assert viewer_zone(UserFactory.build(timezone="Mars/Olympus")) == "Europe/Berlin"
        assert viewer_zone(UserFactory.build(timezone="")) == "Europe/Berlin"
        assert viewer_zone(None) == "Europe/Berlin"


def _as(app, db, zone):
    user = UserFactory(timezone=zone)
    db.flush()
    ctx = app.test_request_context("/")
    ctx.push()
    login_user(user)
    return ctx


def test_localtime_filter_renders_a_labelled_time_element(app, db, monkeypatch):
    monkeypatch.setitem(app.config, "CRM_TIMEZONE", "UTC")
    ctx = _as(app, db, "America/New_York")
    try:
        assert str(times.localtime(WINTER)) == (
            '<time datetime="2026-12-03T10:00-05:00" class="when">3 Dec 2026, 10:00 EST</time>'
        )
        both = str(times.localtime(WINTER, org=True))
        assert both == (
            '<time datetime="2026-12-03T10:00-05:00" class="when">3 Dec 2026, 10:00 EST</time>'
            " · "
            '<time datetime="2026-12-03T15:00+00:00" class="when when-org">'
            "15:00 UTC (organisation)</time>"
        )
        assert str(times.localtime(None)) == "" and not times.localtime(None)
        assert ">3 Dec 2026, 10:00:00 EST<" in str(times.localtime(WINTER, seconds=True))
        # A format without hours is a day: no zone label; with hours, the label is added.
        assert ">2026-12-03<" in str(times.localtime(WINTER, "%Y-%m-%d"))
        assert ">2026-12-03 10:00 EST<" in str(times.localtime(WINTER, "%Y-%m-%d %H:%M"))
        assert str(times.localdate(datetime(2026, 12, 4, 3, 0, tzinfo=UTC))) == (
            '<time datetime="2026-12-03" class="when">3 Dec 2026</time>'
        )
    finally:
        ctx.pop()


def test_localtime_filter_in_the_organisations_zone_when_nobody_is_logged_in(app, monkeypatch):
    monkeypatch.setitem(app.config, "CRM_TIMEZONE", "Asia/Tokyo")
    with app.test_request_context("/"):
        assert ">4 Dec 2026, 00:00 JST<" in str(times.localtime(WINTER))
        # The viewer's zone is the organisation's: one reading.
        assert "(organisation)" not in str(times.localtime(WINTER, org=True))


def test_day_filter_keeps_a_date_together():
    assert str(times.day(date(2026, 12, 3))) == (
        '<time datetime="2026-12-03" class="when">3 Dec 2026</time>'
    )
    assert str(times.day(None)) == ""


def test_templates_use_the_filters(app, db, monkeypatch):
    monkeypatch.setitem(app.config, "CRM_TIMEZONE", "Europe/London")
    ctx = _as(app, db, "America/New_York")
    try:
        env = app.jinja_env
        page = env.from_string(
            "{{ t|localtime(org=True) }}|{{ d|day }}|{{ 'last ' ~ (t|localdate) }}|"
            "{{ none|localtime or 'never' }}|{{ d|isodate }}"
        ).render(t=SUMMER, d=date(2026, 1, 2), none=None)
        assert page == (
            '<time datetime="2026-07-03T11:00-04:00" class="when">3 Jul 2026, 11:00 EDT</time>'
            ' · <time datetime="2026-07-03T16:00+01:00" class="when when-org">'
            "16:00 BST (organisation)</time>"
            '|<time datetime="2026-01-02" class="when">2 Jan 2026</time>'
            '|last <time datetime="2026-07-03" class="when">3 Jul 2026</time>'
            "|never|2026-01-02"
        )
    finally:
        ctx.pop()


def test_day_filter_reads_iso_text_and_keeps_other_text():
    assert ">3 Dec 2026</time>" in str(times.day("2026-12-03"))
    assert str(times.day("<soon>")) == "&lt;soon&gt;"
    assert str(times.day("")) == ""


def test_localtime_filter_reads_iso_text(app, monkeypatch):
    monkeypatch.setitem(app.config, "CRM_TIMEZONE", "UTC")
    with app.test_request_context("/"):
        assert ">3 Dec 2026, 15:00 UTC<" in str(times.localtime("2026-12-03T15:00:00+00:00"))
        assert str(times.localtime("soon <b>")) == "soon &lt;b&gt;"
