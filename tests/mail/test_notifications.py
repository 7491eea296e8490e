"""Event emails other domains trigger: one per event, whatever the number of calls."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from sqlalchemy import func, select

from crm.approvals.notifications import notify_decision
from crm.mail.models import OutboxMessage
from crm.reminders.notifications import notify_reminder_assigned


def count(db) -> int:
    return db.scalar(select(func.count()).select_from(OutboxMessage))


def test_decision_email_reaches_the_submitter_once(app, db, make_user):
    submitter = make_user("manager", name="Morgan <b>M</b>")
    with app.app_context():
        first = notify_decision(
            db,
            42,
            submitter,
            "request_changes",
            "Add #ad at the start.",
            "/submissions/42",
            decision_id=7,
            title="Launch video",
        )
        again = notify_decision(
            db,
            42,
            submitter,
            "request_changes",
            "Add #ad at the start.",
            "/submissions/42",
            decision_id=7,
            title="Launch video",
        )
    db.flush()
    assert first.id == again.id and count(db) == 1
    assert first.to == submitter.email
    assert first.idempotency_key == "decision:42:7"
    assert first.subject == "Launch video: changes requested"
    assert "Add #ad at the start." in first.text
    assert "http://crm.test/submissions/42" in first.text
    assert 'href="http://crm.test/submissions/42"' in first.html
    # User data is escaped in the HTML version.
    assert "Morgan &lt;b&gt;M&lt;/b&gt;" in first.html


def test_a_later_decision_is_a_new_email(app, db, make_user):
    submitter = make_user("manager")
    with app.app_context():
        notify_decision(db, 5, submitter, "request_changes", "", "/s/5", decision_id=1)
        approved = notify_decision(db, 5, submitter, "approve", "", "/s/5", decision_id=2)
    assert approved.subject == "Submission #5: approved"
    assert count(db) == 2


def test_decision_for_an_inactive_submitter_sends_nothing(app, db, make_user):
    gone = make_user("manager", active=False)
    with app.app_context():
        assert notify_decision(db, 5, gone, "approve", "", "/s/5", decision_id=3) is None
    assert count(db) == 0


def test_reminder_assignment_emails_the_assignee_not_the_assigner(app, db, make_user):
    boss = make_user("admin", name="Ada")
    assignee = make_user("manager")
    reminder = SimpleNamespace(
        id=11, title="Call the agent", due_on=date(2026, 12, 1), assignee_id=assignee.id
    )
    with app.app_context():
        message = notify_reminder_assigned(db, reminder, assigned_by=boss, url="/tasks/11")
        notify_reminder_assigned(db, reminder, assigned_by=boss, url="/tasks/11")
        own = SimpleNamespace(id=12, title="Mine", due_on=None, assignee_id=boss.id)
        assert notify_reminder_assigned(db, own, assigned_by=boss) is None
    db.flush()
    assert count(db) == 1
    assert message.to == assignee.email
    assert message.idempotency_key == f"reminder-assigned:11:{assignee.id}"
    assert "Ada assigned you a task: Call the agent, due 2026-12-01." in message.text
    assert "http://crm.test/tasks/11" in message.text
