"""How the domains work together: the signals each domain reacts to, and the rules and
contributions it puts in the app's registry."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from crm.agreements import services as agreements
from crm.approvals import services as approvals
from crm.approvals.services import RevisionInput
from crm.mail.models import OutboxMessage
from crm.reminders import services as reminders
from crm.reminders.models import Reminder
from crm.reminders.rules import scan_reminders
from tests.factories import (
    CreatorFactory,
    GrantFactory,
    NdaFactory,
    ProductFactory,
    UserFactory,
)

TODAY = date(2026, 3, 10)


@pytest.fixture(autouse=True)
def app_context(app):
    """The registry (the scan's rules, the record links) belongs to the app."""
    with app.app_context():
        yield


def _people(db):
    manager = UserFactory.build(role="manager")
    legal = UserFactory.build(role="legal")
    creator = CreatorFactory.build()
    db.add_all([manager, legal, creator])
    db.flush()
    creator.owner_id = manager.id
    db.flush()
    return manager, legal, creator


def _submission(db, manager, creator, planned):
    return approvals.create_submission(
        db,
        manager,
        creator_id=creator.id,
        platform="instagram",
        title="Launch post",
        planned_for=planned,
        revision=RevisionInput(body="#ad Trying the new model"),
        today=TODAY,
    )


def _outbox(db, to):
    return db.scalars(select(OutboxMessage).where(OutboxMessage.to == to)).all()


def test_request_changes_gives_the_submitter_a_task_and_an_email(db):
    manager, legal, creator = _people(db)
    sub = _submission(db, manager, creator, datetime(2026, 3, 20, 12, tzinfo=UTC))
    approvals.decide(db, legal, sub.id, sub.latest_revision, "request_changes", "Add #ad up top")
    task = db.scalar(select(Reminder).where(Reminder.rule == "changes-requested"))
    assert task.assignee_id == manager.id and task.subject_id == sub.id
    [email] = _outbox(db, manager.email)
    assert email.kind == "decision" and "Launch post" in email.subject + email.text


def test_an_approval_is_emailed_to_the_submitter_once(db):
    manager, legal, creator = _people(db)
    sub = _submission(db, manager, creator, datetime(2026, 3, 20, 12, tzinfo=UTC))
    approvals.decide(db, legal, sub.id, sub.latest_revision, "approve", "")
    assert len(_outbox(db, manager.email)) == 1
    assert db.scalar(select(Reminder).where(Reminder.rule == "changes-requested")) is None


def test_terminated_nda_suspends_grants_and_tasks_the_owner(db):
    manager, _legal, creator = _people(db)
    product = ProductFactory(public_on=None)
    nda = NdaFactory(creator_id=creator.id, products=[product])
    grant = GrantFactory(creator_id=creator.id, product_id=product.id, nda_id=nda.id)
    agreements.transition_nda(db, manager, nda, "terminated", TODAY)
    db.refresh(grant)
    assert grant.status == "suspended"
    task = db.scalar(select(Reminder).where(Reminder.rule == "grant-suspended"))
    assert task.assignee_id == manager.id and task.subject_id == grant.id


def test_release_moving_later_returns_approved_posts_to_review(db):
    manager, legal, creator = _people(db)
    product = ProductFactory(name="Nova Pro", public_on=date(2026, 3, 1))
    sub = approvals.create_submission(
        db,
        manager,
        creator_id=creator.id,
        platform="youtube",
        title="Nova review",
        planned_for=datetime(2026, 3, 20, 12, tzinfo=UTC),
        revision=RevisionInput(body="#ad My first look at Nova Pro"),
        today=TODAY,
    )
    approvals.decide(db, legal, sub.id, sub.latest_revision, "approve", "")
    assert sub.status == "approved"
    agreements.update_product(db, legal, product, public_on=date(2026, 4, 1))
    db.refresh(sub)
    assert sub.status == "in_review"


def test_assigning_a_task_to_someone_else_emails_them(db):
    manager, legal, creator = _people(db)
    reminders.create_reminder(
        db,
        manager,
        title="Send the contract",
        due_on=TODAY,
        assignee_id=legal.id,
        creator_id=creator.id,
        today=TODAY,
    )
    [email] = _outbox(db, legal.email)
    assert "Send the contract" in email.subject


def test_scan_raises_review_waiting_and_planned_soon_tasks(db):
    manager, _legal, creator = _people(db)
    waiting = _submission(db, manager, creator, datetime(2026, 3, 30, 12, tzinfo=UTC))
    waiting.in_review_since = datetime(2026, 3, 4, 9, tzinfo=UTC)  # a Wednesday
    soon = _submission(db, manager, creator, datetime(2026, 3, 12, 12, tzinfo=UTC))
    db.flush()
    scan_reminders(db, TODAY, tz_name="UTC")
    rules = {
        (r.rule, r.subject_id)
        for r in db.scalars(select(Reminder).where(Reminder.subject_type == "submission"))
    }
    assert ("submission-review-waiting", waiting.id) in rules
    assert ("submission-planned-unapproved", soon.id) in rules
    assert ("submission-review-waiting", soon.id) not in rules
    again = scan_reminders(db, TODAY + timedelta(days=0), tz_name="UTC")
    assert again.total == 0
