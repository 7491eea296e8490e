"""Automatic tasks about a submission close when their cause ends."""

from __future__ import annotations

from sqlalchemy import select

from crm.approvals import services
from crm.approvals.services import RevisionInput
from crm.audit.models import AuditEvent
from crm.reminders.models import Reminder
from crm.reminders.services import remind
from tests.approvals.conftest import TODAY


def _tasks(db, submission, rule):
    return list(
        db.scalars(
            select(Reminder).where(
                Reminder.subject_type == "submission",
                Reminder.subject_id == submission.id,
                Reminder.rule == rule,
            )
        )
    )


def _scan_task(db, submission, rule):
    return remind(
        db, assignee_id=None, title="scan task", due_on=TODAY, creator_id=submission.creator_id,
        subject=("submission", submission.id), rule=rule, dedupe_key=f"{rule}:{submission.id}",
    )  # fmt: skip


def test_changes_requested_task_links_to_the_submission_and_closes_on_a_revision(world):
    db = world.db
    sub = world.submission("changes_requested")
    [task] = _tasks(db, sub, "changes-requested")
    assert task.status == "open" and (task.subject_type, task.subject_id) == ("submission", sub.id)
    services.add_revision(db, world.manager, sub, RevisionInput(body="#ad Fixed"), today=TODAY)
    db.refresh(task)
    assert task.status == "done" and task.done_at is not None
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "reminder.resolve"))
    assert event.entity == "reminder" and event.entity_id == str(task.id)
    assert "in review" in event.changes["reason"]


def test_changes_requested_task_closes_when_withdrawn(world):
    db = world.db
    sub = world.submission("changes_requested")
    services.withdraw(db, world.manager, sub)
    assert [t.status for t in _tasks(db, sub, "changes-requested")] == ["done"]


def test_a_new_request_after_a_revision_raises_a_new_open_task(world):
    db = world.db
    sub = world.submission("changes_requested")
    services.add_revision(db, world.manager, sub, RevisionInput(body="#ad Fixed"), today=TODAY)
    services.decide(db, world.legal, sub.id, sub.latest_revision, "request_changes", "Again.")
    statuses = sorted(t.status for t in _tasks(db, sub, "changes-requested"))
    assert statuses == ["done", "open"]


def test_waiting_and_planned_tasks_close_on_approval_and_stay_on_a_request(world):
    db = world.db
    sub = world.submission("in_review")
    waiting = _scan_task(db, sub, "submission-review-waiting")
    planned = _scan_task(db, sub, "submission-planned-unapproved")
    services.decide(db, world.legal, sub.id, sub.latest_revision, "approve")
    db.refresh(waiting)
    db.refresh(planned)
    assert (waiting.status, planned.status) == ("done", "done")

    other = world.submission("in_review", title="Another")
    planned2 = _scan_task(db, other, "submission-planned-unapproved")
    services.decide(db, world.legal, other.id, other.latest_revision, "request_changes", "No.")
    db.refresh(planned2)
    assert planned2.status == "open"  # not approved yet: the cause is still there


def test_manual_tasks_about_the_submission_are_never_closed(world):
    db = world.db
    sub = world.submission("changes_requested")
    manual = Reminder(
        title="Call them", due_on=TODAY, assignee_id=world.manager.id,
        subject_type="submission", subject_id=sub.id, status="open", rule="",
    )  # fmt: skip
    db.add(manual)
    db.flush()
    services.add_revision(db, world.manager, sub, RevisionInput(body="#ad Fixed"), today=TODAY)
    db.refresh(manual)
    assert manual.status == "open"
