"""The scheduler on two hosts: the ledger of runs, catching up, and the leader lock (the
lock on PostgreSQL only; the two-process drill is tests/drills/test_scheduler_failover.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import select

from crm.common import jobruns
from crm.common.jobruns import JobRun
from crm.common.registry import Job, registry
from crm.db import get_db
from crm.scheduler import (
    INTERVAL_EPOCH,
    Leadership,
    _execute,
    build_scheduler,
    catch_up,
    last_fire_time,
)

NOW = datetime(2026, 11, 20, 10, 7, 30, tzinfo=UTC)


def test_last_fire_time_of_interval_and_cron_triggers():
    every_minute = IntervalTrigger(minutes=1, start_date=INTERVAL_EPOCH)
    assert last_fire_time(every_minute, NOW) == datetime(2026, 11, 20, 10, 7, tzinfo=UTC)
    daily = CronTrigger(hour=6, minute=0, timezone=UTC)
    assert last_fire_time(daily, NOW) == datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
    weekly = CronTrigger(day_of_week="mon", hour=8, timezone=UTC)  # 20 Nov 2026 is a Friday
    assert last_fire_time(weekly, NOW) == datetime(2026, 11, 16, 8, 0, tzinfo=UTC)


def test_a_run_is_claimed_once_and_a_dead_runs_claim_is_taken_over(db):
    fire = NOW.replace(second=0)
    assert jobruns.claim(db, "t.job", fire, "host-a:1")
    # Unfinished: its process died (only the leader runs jobs); the next one takes it over.
    assert jobruns.claim(db, "t.job", fire, "host-b:2")
    jobruns.finish(db, "t.job", fire, "ok")
    assert not jobruns.claim(db, "t.job", fire, "host-b:2")
    row = db.scalar(select(JobRun).where(JobRun.job_id == "t.job"))
    assert (row.owner, row.outcome) == ("host-b:2", "ok")
    assert jobruns.finished(db, "t.job", fire)


@pytest.fixture
def one_job(app):
    calls = []
    saved = list(registry(app).jobs)
    registry(app).jobs[:] = [Job("t.every", lambda: calls.append(1), "interval", {"minutes": 5})]
    yield calls
    registry(app).jobs[:] = saved


def test_catch_up_runs_an_unfinished_or_missed_run_once(app, db, one_job):
    scheduler = build_scheduler(app)
    job = scheduler.get_job("t.every")
    fire = last_fire_time(job.trigger, NOW)
    assert catch_up(app, scheduler, NOW) == []  # never ran here: nothing to catch up

    jobruns.claim(db, "t.every", fire - timedelta(minutes=5), "host-a:1")
    jobruns.finish(db, "t.every", fire - timedelta(minutes=5), "ok")
    assert catch_up(app, scheduler, NOW) == ["t.every"]  # the latest fire time was missed

    jobruns.claim(db, "t.every", fire, "host-a:1")
    jobruns.finish(db, "t.every", fire, "ok")
    assert catch_up(app, scheduler, NOW) == []


def test_the_scheduled_call_skips_a_run_that_already_finished(app, db, one_job):
    trigger = IntervalTrigger(minutes=5, start_date=INTERVAL_EPOCH)
    _execute(app, "t.every", trigger)
    _execute(app, "t.every", trigger)  # the same fire time (unless a boundary passed)
    rows = db.scalars(select(JobRun).where(JobRun.job_id == "t.every")).all()
    assert len(one_job) == len(rows) and all(r.outcome == "ok" for r in rows)
    assert len(rows) in (1, 2) and len({r.fire_time for r in rows}) == len(rows)


def test_only_one_process_holds_the_leader_lock(app):
    if get_db(app).engine.dialect.name != "postgresql":
        pytest.skip("the leader lock is a PostgreSQL advisory lock")
    first, second = Leadership(app), Leadership(app)
    try:
        assert first.acquire() and first.held()
        assert not second.acquire()
        first.release()  # as a dying process's connection does
        assert second.acquire()
        assert not first.acquire()
    finally:
        first.dispose()
        second.dispose()
