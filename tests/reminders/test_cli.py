"""`crm reminders scan`, `crm jobs run`, and the demo data."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from crm.auth.models import User
from crm.reminders.models import Reminder
from tests.factories import NdaFactory
from tests.reminders.conftest import TODAY


def test_scan_command_with_a_given_day(runner, db, make_creator):
    nda = NdaFactory(creator_id=make_creator().id, expires_on=TODAY + timedelta(days=7))
    result = runner.invoke(args=["crm", "reminders", "scan", "--today", TODAY.isoformat()])
    assert result.exit_code == 0, result.output
    assert f"Scan for {TODAY.isoformat()}: 1 new reminders." in result.output
    assert db.scalar(select(Reminder.dedupe_key)) == f"nda-expiring-7:{nda.id}:2026-06-17"
    again = runner.invoke(args=["crm", "reminders", "scan", "--today", TODAY.isoformat()])
    assert "0 new reminders" in again.output


def test_scan_command_refuses_a_bad_date(runner, db):
    result = runner.invoke(args=["crm", "reminders", "scan", "--today", "2026-02-30"])
    assert result.exit_code == 2
    assert "must be a date YYYY-MM-DD" in result.output


def test_jobs_run_runs_the_scan(runner, db):
    result = runner.invoke(args=["crm", "jobs", "run", "reminders.scan"])
    assert result.exit_code == 0, result.output
    assert "Job reminders.scan done." in result.output


def test_jobs_run_runs_another_domains_job(runner, db):
    result = runner.invoke(args=["crm", "jobs", "run", "agreements.expiry"])
    assert result.exit_code == 0, result.output
    assert "Job agreements.expiry done." in result.output


def test_demo_adds_tasks_for_the_demo_users(runner, db):
    result = runner.invoke(args=["crm", "demo"])
    assert result.exit_code == 0, result.output
    manager = db.scalar(select(User).where(User.email == "manager@example.com"))
    count = db.scalar(
        select(func.count()).select_from(Reminder).where(Reminder.assignee_id == manager.id)
    )
    assert count >= 3
