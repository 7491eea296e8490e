"""The scheduler: built from the registry, never started by create_app, Monday 08:00 in
CRM_TIMEZONE, failures contained, and a job run twice at once raises each reminder once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import delete, select

from crm import create_app
from crm.agreements.models import Deal, Grant, Nda, Payment, Product
from crm.auth.models import User
from crm.common.registry import Job, registry
from crm.common.timeutil import today_in
from crm.creators.models import Creator
from crm.db import get_db, session_scope
from crm.reminders.models import Reminder
from crm.scheduler import MISFIRE_GRACE_SECONDS, build_scheduler, run_job, start_embedded
from tests.factories import (
    CreatorFactory,
    DealFactory,
    GrantFactory,
    NdaFactory,
    ProductFactory,
    UserFactory,
)
from tests.reminders.factories import PaymentFactory


def _scheduler_threads():
    return [t for t in threading.enumerate() if t.name == "APScheduler" and t.is_alive()]


def test_create_app_never_starts_a_scheduler(app_config):
    before = len(_scheduler_threads())
    application = create_app({**app_config, "CRM_SCHEDULER": "embedded"})
    assert "crm_scheduler" not in application.extensions
    assert len(_scheduler_threads()) == before
    get_db(application).engine.dispose()


def test_jobs_come_from_the_registry_with_hours_of_misfire_grace(app):
    scheduler = build_scheduler(app, BlockingScheduler)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert {"reminders.scan", "agreements.expiry"} <= set(jobs)
    assert len(jobs) == len(registry(app).jobs)
    for job in jobs.values():
        assert job.misfire_grace_time >= 3600
        assert job.coalesce is True
        assert job.max_instances == 1
    assert MISFIRE_GRACE_SECONDS >= 3600
    scan = jobs["reminders.scan"].trigger
    assert isinstance(scan, CronTrigger)
    assert {f.name: str(f) for f in scan.fields}["hour"] == "6"
    expiry = {f.name: str(f) for f in jobs["agreements.expiry"].trigger.fields}
    assert (expiry["hour"], expiry["minute"]) == ("0", "15")  # registered by agreements


def _monday_job(app_config, tz_name):
    application = create_app({**app_config, "CRM_TIMEZONE": tz_name})
    registry(application).jobs.append(
        Job("test.digest", lambda: None, "cron", {"day_of_week": "mon", "hour": 8})
    )
    scheduler = build_scheduler(application)
    job = next(j for j in scheduler.get_jobs() if j.id == "test.digest")
    get_db(application).engine.dispose()
    return scheduler, job


@pytest.mark.parametrize(
    ("tz_name", "frozen_utc", "expected_utc"),
    [
        # Thursday 5 March 2026; US clocks go forward on Sunday 8 March: 08:00 EDT = 12:00Z.
        (
            "America/New_York",
            datetime(2026, 3, 5, 12, tzinfo=UTC),
            datetime(2026, 3, 9, 12, tzinfo=UTC),
        ),
        # London is still on GMT on 9 March.
        (
            "Europe/London",
            datetime(2026, 3, 5, 12, tzinfo=UTC),
            datetime(2026, 3, 9, 8, tzinfo=UTC),
        ),
        # Tokyo's Monday 08:00 is Sunday 23:00 UTC.
        ("Asia/Tokyo", datetime(2026, 3, 5, 12, tzinfo=UTC), datetime(2026, 3, 8, 23, tzinfo=UTC)),
        # Auckland is on NZDT (+13) in March.
        (
            "Pacific/Auckland",
            datetime(2026, 3, 5, 12, tzinfo=UTC),
            datetime(2026, 3, 8, 19, tzinfo=UTC),
        ),
        # Monday 07:59 in New York: fires the same morning.
        (
            "America/New_York",
            datetime(2026, 11, 23, 12, 59, tzinfo=UTC),
            datetime(2026, 11, 23, 13, tzinfo=UTC),
        ),
        # Monday 08:01 in New York: next week.
        (
            "America/New_York",
            datetime(2026, 11, 23, 13, 1, tzinfo=UTC),
            datetime(2026, 11, 30, 13, tzinfo=UTC),
        ),
        # London after clocks went back (25 Oct 2026): GMT again.
        (
            "Europe/London",
            datetime(2026, 10, 24, 12, tzinfo=UTC),
            datetime(2026, 10, 26, 8, tzinfo=UTC),
        ),
    ],
)
def test_monday_0800_in_crm_timezone(app_config, tz_name, frozen_utc, expected_utc):
    scheduler, job = _monday_job(app_config, tz_name)
    assert scheduler.timezone == ZoneInfo(tz_name)
    with time_machine.travel(frozen_utc, tick=False):
        now = datetime.now(scheduler.timezone)
        fire = job.trigger.get_next_fire_time(None, now)
    assert fire == expected_utc
    local = fire.astimezone(ZoneInfo(tz_name))
    assert (local.weekday(), local.hour, local.minute) == (0, 8, 0)


def test_scheduler_cli_lists_jobs_and_next_runs(runner):
    result = runner.invoke(args=["crm", "scheduler", "--list"])
    assert result.exit_code == 0, result.output
    assert "reminders.scan" in result.output and "agreements.expiry" in result.output
    assert "next 20" in result.output


def test_jobs_run_unknown_job_is_refused(runner):
    result = runner.invoke(args=["crm", "jobs", "run", "nope"])
    assert result.exit_code != 0
    assert "No job 'nope'" in result.output


def test_embedded_scheduler_runs_jobs_in_an_app_context_and_survives_failures(app_config):
    application = create_app(app_config)
    ran = threading.Event()
    seen = {}

    def failing():
        raise RuntimeError("job failed")

    def working():
        from flask import current_app

        seen["app"] = current_app._get_current_object()
        ran.set()

    soon = datetime.now(UTC) + timedelta(milliseconds=300)
    registry(application).jobs[:] = [
        Job("test.fail", failing, "date", {"run_date": soon}),
        Job("test.work", working, "date", {"run_date": soon + timedelta(milliseconds=200)}),
    ]
    scheduler = start_embedded(application)
    try:
        assert scheduler.running
        assert start_embedded(application) is scheduler  # once per app
        assert ran.wait(10), "the job did not run"
        assert seen["app"] is application
        assert scheduler.running  # the failing job did not stop it
    finally:
        scheduler.shutdown(wait=True)
        get_db(application).engine.dispose()


def test_run_job_propagates_errors(app_config):
    application = create_app(app_config)

    def failing():
        raise RuntimeError("visible")

    registry(application).jobs.append(Job("test.fail", failing, "interval", {"hours": 1}))
    with pytest.raises(RuntimeError, match="visible"):
        run_job(application, "test.fail")
    with pytest.raises(KeyError):
        run_job(application, "test.none")
    get_db(application).engine.dispose()


def test_background_is_the_default_scheduler_class(app):
    assert isinstance(build_scheduler(app), BackgroundScheduler)


@pytest.fixture
def committed(app):
    """Rows really committed (for several sessions at once); removed afterwards."""
    made: dict = {}
    yield made
    with session_scope(app) as s:
        creator_ids = made.get("creators", [])
        s.execute(delete(Reminder).where(Reminder.creator_id.in_(creator_ids)))
        s.execute(delete(Payment).where(Payment.id.in_(made.get("payments", []))))
        s.execute(delete(Deal).where(Deal.creator_id.in_(creator_ids)))
        s.execute(delete(Grant).where(Grant.creator_id.in_(creator_ids)))
        s.execute(delete(Nda).where(Nda.creator_id.in_(creator_ids)))
        s.execute(delete(Product).where(Product.id.in_(made.get("products", []))))
        s.execute(delete(Creator).where(Creator.id.in_(creator_ids)))
        s.execute(delete(User).where(User.id.in_(made.get("users", []))))


def test_the_scan_job_run_twice_at_once_raises_each_reminder_once(app, committed):
    today = today_in(app.config["CRM_TIMEZONE"])
    with session_scope(app) as s:
        owner = UserFactory.build(role="manager")
        s.add(owner)
        s.flush()
        creators = [CreatorFactory.build(owner_id=owner.id) for _ in range(3)]
        s.add_all(creators)
        product = ProductFactory.build()
        s.add(product)
        s.flush()
        for n, creator in enumerate(creators):
            s.add(NdaFactory.build(creator_id=creator.id, expires_on=today + timedelta(days=n + 2)))
            s.add(
                GrantFactory.build(
                    creator_id=creator.id, product_id=product.id, ends_on=today + timedelta(days=n)
                )
            )
            deal = DealFactory.build(creator_id=creator.id)
            s.add(deal)
            s.flush()
            s.add(PaymentFactory.build(deal_id=deal.id, due_on=today - timedelta(days=n)))
        s.flush()
        committed["users"] = [owner.id]
        committed["creators"] = [c.id for c in creators]
        committed["products"] = [product.id]
        committed["payments"] = list(
            s.scalars(
                select(Payment.id).join(Deal).where(Deal.creator_id.in_(committed["creators"]))
            )
        )

    barrier = threading.Barrier(2)
    errors, results = [], []

    def worker():
        try:
            barrier.wait(5)
            results.append(run_job(app, "reminders.scan"))
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert sorted(r.total for r in results) == [0, 9]
    with session_scope(app) as s:
        keys = list(
            s.scalars(
                select(Reminder.dedupe_key).where(Reminder.creator_id.in_(committed["creators"]))
            )
        )
    assert len(keys) == 9 == len(set(keys))
