"""Snapshots: the per-day upsert, manual entry, CSV import, movers across gaps, jumps, charts."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from crm.audit.services import system_actor
from crm.common.errors import Invalid
from crm.creators.models import Creator
from crm.metrics.charts import Series, combined, compact, line_chart, sample, sparkline
from crm.metrics.models import Snapshot
from crm.metrics.movers import movers
from crm.metrics.services import (
    import_history_csv,
    record_manual_snapshot,
    upsert_snapshot,
)

TODAY = date(2026, 11, 20)
ACTOR = system_actor("test")


def count(db) -> int:
    return db.scalar(select(func.count()).select_from(Snapshot))


def put(db, account, day, followers, views=None, posts=None, source="api"):
    return upsert_snapshot(db, account, day, followers, views, posts, source)


# --------------------------------------------------------------------------- upsert


def test_one_snapshot_per_account_per_day(db, make_account):
    account = make_account()
    put(db, account, TODAY, 100, 1000, 5)
    second = put(db, account, TODAY, 110, None, 6, source="manual")

    assert count(db) == 1
    assert (second.followers, second.views, second.posts, second.source) == (110, None, 6, "manual")


def test_latest_figures_follow_the_latest_day_only(db, make_account):
    account = make_account()
    creator = db.get(Creator, account.creator_id)
    other = make_account("instagram", creator=creator, handle="two", handle_key="two")
    updated_at = creator.updated_at

    put(db, account, TODAY, 500)
    put(db, account, TODAY - timedelta(days=3), 900)  # history: the latest stays
    put(db, other, TODAY - timedelta(days=1), 250)
    db.expire_all()

    assert (account.followers, account.followers_on) == (500, TODAY)
    assert db.get(Creator, creator.id).followers_total == 750
    assert db.get(Creator, creator.id).updated_at == updated_at

    put(db, account, TODAY, 450)
    db.expire_all()
    assert db.get(Creator, creator.id).followers_total == 700


def test_a_creator_without_counts_has_no_total(db, make_account):
    account = make_account()
    put(db, account, TODAY, None, 10)
    db.expire_all()
    assert account.followers is None and account.followers_on == TODAY
    assert db.get(Creator, account.creator_id).followers_total is None


# --------------------------------------------------------------------------- manual entry


def test_manual_snapshot_is_recorded_and_replaces_the_day(db, make_account):
    account = make_account()
    snapshot, created = record_manual_snapshot(
        db, ACTOR, account, captured_on=TODAY, followers="12,345", views="", posts=3, today=TODAY
    )
    assert created and (snapshot.followers, snapshot.views, snapshot.posts) == (12345, None, 3)
    snapshot, created = record_manual_snapshot(
        db, ACTOR, account, captured_on=TODAY, followers=12400, views=None, posts=None, today=TODAY
    )
    assert not created and snapshot.followers == 12400 and count(db) == 1


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"followers": "-5"}, "followers", "must not be negative"),
        ({"followers": "12.5"}, "followers", "must be a whole number"),
        ({"views": "lots"}, "views", "must be a whole number"),
        ({"posts": -1}, "posts", "must not be negative"),
        ({"followers": True}, "followers", "must be a whole number"),
        (
            {"followers": "1", "captured_on": TODAY + timedelta(days=1)},
            "captured_on",
            "must not be in the future",
        ),
        ({"followers": "1", "captured_on": None}, "captured_on", "is required"),
        ({}, "followers", "enter at least one of followers, views or posts"),
    ],
)
def test_manual_snapshot_validation(db, make_account, fields, field, message):
    account = make_account()
    values = {"captured_on": TODAY, "followers": None, "views": None, "posts": None, **fields}
    with pytest.raises(Invalid) as info:
        record_manual_snapshot(db, ACTOR, account, today=TODAY, **values)
    assert message in info.value.errors[field]
    assert count(db) == 0


# --------------------------------------------------------------------------- CSV import


def test_csv_import_by_id_and_by_platform_and_handle(db, make_account):
    yt = make_account("youtube")
    ig = make_account("instagram", handle="Maya.Lens", handle_key="maya.lens")
    data = (
        "account_id,platform,handle,date,followers,views,posts\n"
        f"{yt.id},,,2026-11-01,100,2000,4\n"
        f"{yt.id},,,2026-11-02,110,,\n"
        ',instagram,@MAYA.lens,2026-11-02,"1,500",,30\n'
    ).encode()
    result = import_history_csv(db, ACTOR, data, today=TODAY)

    assert (result.rows, result.accounts) == (3, 2)
    rows = db.scalars(select(Snapshot).order_by(Snapshot.account_id, Snapshot.captured_on)).all()
    assert [(r.account_id, r.captured_on.day, r.followers, r.source) for r in rows] == [
        (yt.id, 1, 100, "import"),
        (yt.id, 2, 110, "import"),
        (ig.id, 2, 1500, "import"),
    ]
    db.expire_all()
    assert yt.followers == 110


def test_csv_import_is_all_or_nothing_and_names_every_bad_line(db, make_account):
    account = make_account()
    data = (
        "account_id,date,followers,views,posts\n"
        f"{account.id},2026-11-01,100,,\n"  # fine
        f"{account.id},2026-11-31,100,,\n"  # no such date
        f"{account.id},2026-12-25,100,,\n"  # future
        f"{account.id},2026-11-03,-4,,\n"  # negative
        f"{account.id},2026-11-04,1.5,x,\n"  # not whole numbers
        "999999,2026-11-05,1,,\n"  # unknown account
        f"{account.id},2026-11-01,101,,\n"  # repeats line 2
        ",2026-11-06,1,,\n"  # no account
    )
    with pytest.raises(Invalid) as info:
        import_history_csv(db, ACTOR, data, today=TODAY)
    errors = info.value.errors
    assert errors["line 3"] == ["date must be a date YYYY-MM-DD"]
    assert errors["line 4"] == ["date must not be in the future"]
    assert errors["line 5"] == ["followers must not be negative"]
    assert errors["line 6"] == ["followers must be a whole number", "views must be a whole number"]
    assert errors["line 7"] == ["no account with id 999999"]
    assert errors["line 8"] == ["repeats the account and date of line 2"]
    assert errors["line 9"] == ["needs account_id, or platform and handle"]
    assert "line 2" not in errors
    assert count(db) == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"name,value\nx,1\n", "needs a header row"),
        (b"account_id,date,followers\n", "has no rows"),
        (b"\xff\xfe\x00bad", "must be a UTF-8 CSV file"),
    ],
)
def test_csv_import_refuses_a_bad_file(db, data, message):
    with pytest.raises(Invalid) as info:
        import_history_csv(db, ACTOR, data, today=TODAY)
    assert message in info.value.errors["file"][0]


# --------------------------------------------------------------------------- movers


def days_ago(n: int) -> date:
    return TODAY - timedelta(days=n)


def test_movers_compare_the_latest_figures_at_both_ends_across_gaps(db, make_account):
    gap = make_account(handle="@gap")  # baseline 10 days ago, current 2 days ago
    put(db, gap, days_ago(10), 1000)
    put(db, gap, days_ago(2), 1500)
    stale = make_account(handle="@stale")  # baseline 20 days ago: too old for a 7-day window
    put(db, stale, days_ago(20), 10)
    put(db, stale, TODAY, 99999)
    silent = make_account(handle="@silent")  # nothing since the start: no current figure
    put(db, silent, days_ago(9), 100)
    put(db, silent, days_ago(8), 5000)
    hidden = make_account(handle="@hidden")  # the day before start hid its count
    put(db, hidden, days_ago(9), 2000)
    put(db, hidden, days_ago(7), None)
    put(db, hidden, TODAY, 1800)
    new = make_account(handle="@new")  # no baseline at all
    put(db, new, TODAY, 1_000_000)

    top = movers(db, TODAY, 7)

    assert [(m.handle, m.base, m.current, m.change) for m in top] == [
        ("@gap", 1000, 1500, 500),
        ("@hidden", 2000, 1800, -200),
    ]
    assert (top[0].base_on, top[0].current_on, top[0].days) == (days_ago(10), days_ago(2), 8)
    assert top[1].percent == pytest.approx(-10.0)


def test_thirty_day_movers_and_percent_ranking(db, make_account, make_creator):
    big = make_account(handle="@big")
    put(db, big, days_ago(40), 100_000)
    put(db, big, TODAY, 103_000)  # +3,000 = +3 %
    small = make_account(handle="@small")
    put(db, small, days_ago(30), 100)
    put(db, small, days_ago(1), 250)  # +150 = +150 %
    zero = make_account(handle="@zero")
    put(db, zero, days_ago(31), 0)
    put(db, zero, TODAY, 50)  # no percent from zero
    flat = make_account(handle="@flat")
    put(db, flat, days_ago(35), 70)
    put(db, flat, TODAY, 70)  # not a mover
    archived = make_account(handle="@archived", creator=make_creator(archived=True))
    put(db, archived, days_ago(31), 1)
    put(db, archived, TODAY, 9_999_999)

    absolute = [m.handle for m in movers(db, TODAY, 30)]
    percent = [m.handle for m in movers(db, TODAY, 30, by="percent")]

    assert absolute == ["@big", "@small", "@zero"]
    assert percent == ["@small", "@big"]
    assert movers(db, TODAY, 30, limit=1)[0].handle == "@big"


def test_movers_run_a_single_query(db, make_account, count_queries):
    for i in range(5):
        account = make_account(handle=f"@m{i}")
        put(db, account, days_ago(8), 100)
        put(db, account, TODAY, 100 + i + 1)
    db.flush()
    with count_queries() as counter:
        top = movers(db, TODAY, 7)
    assert len(top) == 5 and counter.count == 1


# --------------------------------------------------------------------------- jumps


def test_timeline_shows_notable_jumps_only(app, db, make_account):
    from crm.metrics.panels import jump_entries

    account = make_account(handle="@jumpy")
    for offset, followers in [(5, 1000), (4, 1050), (3, 1200), (2, 1150), (1, 60_000), (0, 71_000)]:
        put(db, account, days_ago(offset), followers)
    creator = db.get(Creator, account.creator_id)

    with app.test_request_context():
        entries = jump_entries(db, creator, None, 10)

    titles = [e.title for e in entries]
    assert titles == [
        "YouTube @jumpy: +11,000 followers (+18.3 %)",
        "YouTube @jumpy: +58,850 followers (+5117.4 %)",
        "YouTube @jumpy: +150 followers (+14.3 %)",
    ]
    assert entries[0].detail == f"From 60,000 on {days_ago(1)} to 71,000 on {days_ago(0)}."
    assert entries[0].url == f"/metrics/accounts/{account.id}"
    with app.test_request_context():
        assert len(jump_entries(db, creator, None, 1)) == 1


# --------------------------------------------------------------------------- charts


def test_line_chart_escapes_labels_and_describes_itself():
    points = [(date(2026, 1, 1), 100), (date(2026, 3, 1), 2500)]
    svg = str(
        line_chart(
            [Series('<script>alert("x")</script> & co', points)],
            title="Followers of <b>Evil</b>",
            chart_id='c"1',
        )
    )
    assert "<script>" not in svg and "<b>" not in svg
    assert "&lt;script&gt;" in svg and "&amp; co" in svg and "&lt;b&gt;Evil" in svg
    assert 'role="img"' in svg and 'aria-labelledby="c&#34;1-title c&#34;1-desc"' in svg
    assert "<title id=" in svg and "From 100 on 2026-01-01 to 2.5K on 2026-03-01." in svg
    # Round x ticks (every other Monday) and y ticks (0 to 3K by 1K), axis titles.
    assert ">5 Jan 2026</text>" in svg and ">19 Jan</text>" in svg and ">16 Feb</text>" in svg
    assert ">0</text>" in svg and ">1K</text>" in svg and ">3K</text>" in svg
    assert ">Followers</text>" in svg and ">Date</text>" in svg
    assert "style=" not in svg  # CSP: presentation attributes only


def test_line_chart_breaks_the_line_over_long_gaps_and_handles_flat_data():
    points = [(date(2026, 1, d), 5) for d in (1, 2, 3)] + [(date(2026, 2, 1), 5)]
    svg = str(line_chart([Series("flat", points)], title="t", chart_id="c"))
    assert svg.count("<polyline") == 1 and svg.count("<circle") == 1
    assert line_chart([Series("empty", [])], title="t", chart_id="c") is None


def test_sparkline_and_helpers():
    spark = str(sparkline([(date(2026, 1, 1), 10), (date(2026, 1, 9), 8)], label="X <y>"))
    assert 'aria-label="X &lt;y&gt;: followers down from 10 to 8' in spark
    assert "no trend yet" in str(sparkline([], label="x"))
    assert [compact(v) for v in (999, 1000, 1540, 2_500_000, 3e9, -1200)] == [
        "999",
        "1K",
        "1.5K",
        "2.5M",
        "3B",
        "-1.2K",
    ]
    d = [date(2026, 1, i) for i in range(1, 5)]
    # The second account has no figure on day 3: its last one (20) is carried over.
    assert combined([[(d[0], 1), (d[2], 3)], [(d[1], 20), (d[3], 40)]]) == [
        (d[0], 1),
        (d[1], 21),
        (d[2], 23),
        (d[3], 43),
    ]
    assert sample([(d[0], 1)] * 30, 12)[0] == (d[0], 1) and len(sample(list(range(30)), 12)) == 12
