from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from crm.reminders.models import Reminder
from crm.reminders.rules import scan_reminders

TODAY = date(2026, 6, 10)  # a Wednesday


@pytest.fixture
def owner(make_user):
    return make_user("manager", name="Olive Owner")


@pytest.fixture
def admin(make_user):
    return make_user("admin", name="Ada Admin")


@pytest.fixture
def creator_owner(owner):
    """Reminders go to the creator's owner: here every creator has one unless told not to."""
    return owner


@pytest.fixture
def scan(app, db):
    """`scan(day)` runs the scan (the app's registered rules) and returns the keys of what it
    raised."""

    def run(day: date = TODAY, tz_name: str = "UTC"):
        before = set(db.scalars(select(Reminder.dedupe_key)))
        with app.app_context():
            result = scan_reminders(db, day, tz_name=tz_name)
        after = set(db.scalars(select(Reminder.dedupe_key)))
        assert result.total == len(after - before)
        return after - before

    return run


def reminders_for(db, subject_type: str, subject_id: int) -> list[Reminder]:
    return list(
        db.scalars(
            select(Reminder)
            .where(Reminder.subject_type == subject_type, Reminder.subject_id == subject_id)
            .order_by(Reminder.id)
        )
    )
