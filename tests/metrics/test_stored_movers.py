"""Stored movers: kept when snapshots are written, equal to the movers computed from the
snapshots, and read by the home panel and the movers page without touching history."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import func, select

from crm.common.timeutil import org_today
from crm.creators.models import Creator
from crm.metrics.models import MoverRun, Snapshot, StoredMover
from crm.metrics.movers import PERIODS, current_movers, movers, refresh_movers, stored_movers
from crm.metrics.services import SnapshotRow, upsert_rows, upsert_snapshot

END = date(2026, 11, 20)


def put(db, account, day, followers):
    return upsert_snapshot(db, account, day, followers, None, None, "api")


def _assert_same(db, end: date) -> None:
    for days in PERIODS:
        for by in ("absolute", "percent"):
            live = movers(db, end, days, by=by, limit=50)
            stored = stored_movers(db, end, days, by=by, limit=50)
            assert stored == live, (days, by)


def test_stored_movers_equal_the_computed_ones_across_gaps_nulls_and_zero(
    db, make_account, make_creator
):
    rnd = random.Random(7)
    archived = make_creator(archived=True)
    for i in range(25):
        account = make_account(handle=f"@a{i}", creator=archived if i % 9 == 0 else None)
        rows = []
        for back in range(0, 70):
            if rnd.random() < 0.35:  # holes are the rule
                continue
            followers = None if rnd.random() < 0.1 else rnd.choice([0, rnd.randint(1, 10_000)])
            rows.append(SnapshotRow(account.id, END - timedelta(days=back), followers, None, None))
        upsert_rows(db, rows, "import")

    refresh_movers(db, END)

    _assert_same(db, END)
    assert db.scalar(select(func.count()).select_from(StoredMover)) > 0


def test_a_snapshot_write_keeps_todays_movers_right(db, make_account):
    today = org_today()
    steady = make_account(handle="@steady")
    put(db, steady, today - timedelta(days=8), 1000)
    put(db, steady, today - timedelta(days=1), 1100)
    assert db.get(MoverRun, today) is not None  # the first write of the day filled the day
    assert [m.handle for m in current_movers(db, today, 7)] == ["@steady"]

    rocket = make_account(handle="@rocket")
    put(db, rocket, today - timedelta(days=9), 50)
    put(db, rocket, today, 9000)
    put(db, steady, today, 1000)  # back where it was: no longer a mover
    history = make_account(handle="@history")
    upsert_rows(  # a history import reaching back to both ends
        db,
        [
            SnapshotRow(history.id, today - timedelta(days=40), 10, None, None),
            SnapshotRow(history.id, today - timedelta(days=3), 500, None, None),
        ],
        "import",
    )

    assert [m.handle for m in current_movers(db, today, 7)] == ["@rocket"]
    assert [m.handle for m in current_movers(db, today, 30)] == ["@history"]
    _assert_same(db, today)


def test_the_daily_refresh_moves_the_windows_without_new_snapshots(db, make_account):
    account = make_account(handle="@old")
    put(db, account, END - timedelta(days=10), 100)
    put(db, account, END - timedelta(days=2), 300)
    refresh_movers(db, END)
    assert [m.handle for m in stored_movers(db, END, 7)] == ["@old"]

    later = END + timedelta(days=6)  # the current figure now falls outside the 7-day window
    assert stored_movers(db, later, 7) is None  # not computed: the pages compute it
    refresh_movers(db, later)

    assert stored_movers(db, later, 7) == [] == movers(db, later, 7)
    old = select(func.count()).select_from(StoredMover).where(StoredMover.end_on == END)
    assert db.scalar(old) == 0
    assert db.scalars(select(MoverRun.end_on)).all() == [later]


def test_archiving_a_creator_hides_its_stored_movers(db, make_account):
    account = make_account(handle="@gone")
    put(db, account, END - timedelta(days=8), 100)
    put(db, account, END, 200)
    refresh_movers(db, END)
    assert [m.handle for m in stored_movers(db, END, 7)] == ["@gone"]

    db.get(Creator, account.creator_id).archived = True
    db.flush()
    assert stored_movers(db, END, 7) == []


def test_the_home_panel_reads_no_snapshot_history(client, db, login, make_account, count_queries):
    login("viewer")
    today = org_today()
    account = make_account(handle="@rocket")
    put(db, account, today - timedelta(days=8), 1000)
    put(db, account, today, 4000)

    with count_queries() as counter:
        home = client.get("/").get_data(as_text=True)
        board = client.get("/metrics/").get_data(as_text=True)

    assert "Audience movers this week" in home and "@rocket" in home
    assert "@rocket" in board and "+3,000" in board
    assert not [s for s in counter.statements if "snapshots" in s]


def test_the_movers_job_fills_the_day(app, db, make_account):
    from crm.scheduler import run_job

    today = org_today()
    account = make_account(handle="@job")
    # Written straight to the table (as a restore would): no write hook ran.
    db.add_all(
        [
            Snapshot(account_id=account.id, captured_on=today - timedelta(days=8), followers=5),
            Snapshot(account_id=account.id, captured_on=today, followers=50),
        ]
    )
    db.commit()
    assert stored_movers(db, today, 7) is None

    run_job(app, "metrics.movers")

    db.expire_all()
    assert [m.handle for m in stored_movers(db, today, 7) or []] == ["@job"]
