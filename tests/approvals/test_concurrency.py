"""Two reviewers press the button at the same moment: exactly one decision is recorded.

Each thread has its own session on its own connection from a real engine (not the
rolled-back `db` fixture), so the database itself arbitrates, as with two web workers.
The rows are committed for real and deleted afterwards.
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from crm.approvals import services
from crm.approvals.models import Decision, Submission
from crm.approvals.services import RevisionInput
from crm.audit.models import AuditEvent
from crm.auth.models import User
from crm.common.errors import Conflict
from crm.creators.models import Creator
from crm.db import make_engine
from tests.factories import CreatorFactory, UserFactory

ROUNDS = 5


@pytest.fixture
def engine(database_url):
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def people(engine):
    with Session(engine, expire_on_commit=False) as s:
        manager = UserFactory.build(role="manager")
        reviewers = [UserFactory.build(role="legal"), UserFactory.build(role="legal")]
        creator = CreatorFactory.build()
        s.add_all([manager, *reviewers, creator])
        s.commit()
    yield manager, reviewers, creator
    user_ids = [manager.id] + [r.id for r in reviewers]
    from crm.mail.models import OutboxMessage
    from crm.reminders.models import Reminder

    with Session(engine) as s:
        # What the decision hooks added: the emails to the submitter and any task.
        emails = [manager.email] + [r.email for r in reviewers]
        s.execute(delete(OutboxMessage).where(OutboxMessage.to.in_(emails)))
        s.execute(delete(Reminder).where(Reminder.creator_id == creator.id))
        s.execute(delete(Submission).where(Submission.creator_id == creator.id))
        s.execute(delete(AuditEvent).where(AuditEvent.actor_id.in_(user_ids)))
        s.execute(delete(Creator).where(Creator.id == creator.id))
        s.execute(delete(User).where(User.id.in_(user_ids)))
        s.commit()


def _race(engine, submission_id, reviewers, decisions):
    barrier = threading.Barrier(len(reviewers))
    outcomes: list = [None] * len(reviewers)

    def work(i):
        with Session(engine, expire_on_commit=False) as s:
            reviewer = s.get(User, reviewers[i].id)
            s.commit()  # end the read transaction: on SQLite it holds the write lock
            try:
                barrier.wait(timeout=10)
                services.decide(s, reviewer, submission_id, 1, decisions[i], "Reasons.")
                s.commit()
                outcomes[i] = "won"
            except Conflict:
                s.rollback()
                outcomes[i] = "conflict"
            except Exception as exc:  # reported below rather than lost in the thread
                s.rollback()
                outcomes[i] = repr(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(reviewers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return outcomes


def test_two_reviewers_deciding_at_once_exactly_one_wins(engine, people):
    manager, reviewers, creator = people
    for _ in range(ROUNDS):
        with Session(engine, expire_on_commit=False) as s:
            sub = services.create_submission(
                s,
                s.get(User, manager.id),
                creator_id=creator.id,
                platform="youtube",
                title="Race",
                planned_for=datetime(2026, 3, 20, tzinfo=UTC),
                revision=RevisionInput(body="#ad race"),
                today=date(2026, 3, 1),
            )
            s.commit()
        outcomes = _race(engine, sub.id, reviewers, ["approve", "reject"])
        assert sorted(outcomes) == ["conflict", "won"], outcomes
        with Session(engine) as s:
            rows = s.scalars(select(Decision).where(Decision.submission_id == sub.id)).all()
            status = s.scalar(select(Submission.status).where(Submission.id == sub.id))
        assert len(rows) == 1
        winner = outcomes.index("won")
        assert rows[0].reviewer_id == reviewers[winner].id
        assert status == {"approve": "approved", "reject": "rejected"}[rows[0].decision]
