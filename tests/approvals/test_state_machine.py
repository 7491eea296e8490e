"""The state machine, exhaustively: every state × action is either allowed or refused."""

from __future__ import annotations

from datetime import date

import pytest

from crm.approvals import services
from crm.approvals.models import SUBMISSION_STATUSES
from crm.approvals.services import ACTIONS, TRANSITIONS, RevisionInput
from crm.common.errors import Conflict
from tests.approvals.conftest import TODAY

# Written out by hand, independently of services.TRANSITIONS: None means refused (409).
EXPECTED = {
    "draft": {
        "submit": "in_review",
        "add_revision": "draft",
        "withdraw": "withdrawn",
    },
    "in_review": {
        "add_revision": "in_review",
        "approve": "approved",
        "request_changes": "changes_requested",
        "reject": "rejected",
        "withdraw": "withdrawn",
    },
    "changes_requested": {"add_revision": "in_review", "withdraw": "withdrawn"},
    "approved": {
        "add_revision": "in_review",
        "publish": "published",
        "withdraw": "withdrawn",
        "reopen": "in_review",
    },
    "rejected": {},
    "published": {},
    "withdrawn": {},
}

CASES = [(state, action) for state in SUBMISSION_STATUSES for action in ACTIONS]


def test_the_table_in_code_is_the_expected_table():
    assert {state: dict(moves) for state, moves in TRANSITIONS.table.items()} == EXPECTED


def _apply(world, sub, action):
    db = world.db
    if action == "submit":
        services.submit_for_review(db, world.manager, sub)
    elif action == "add_revision":
        services.add_revision(
            db, world.manager, sub, RevisionInput(body="#ad Nova Pro, second take"), today=TODAY
        )
    elif action in ("approve", "request_changes", "reject"):
        services.decide(db, world.legal2, sub.id, sub.latest_revision, action, "Noted.")
    elif action == "publish":
        services.publish(db, world.manager, sub, "https://example.com/p/9", today=TODAY)
    elif action == "withdraw":
        services.withdraw(db, world.manager, sub, "No longer needed.")
    elif action == "reopen":
        moved = services.on_product_release_moved(
            db, world.nova, world.nova.public_on, date(2026, 6, 1), today=TODAY
        )
        if sub not in moved:
            raise Conflict("not reopened")
    else:  # pragma: no cover
        raise AssertionError(action)


@pytest.mark.parametrize(("state", "action"), CASES)
def test_every_state_and_action(world, state, action):
    sub = world.submission(state, body="#ad My take on Nova Pro")
    assert sub.status == state
    expected = EXPECTED[state].get(action)
    db = world.db
    if expected is None:
        with pytest.raises(Conflict):
            _apply(world, sub, action)
        db.expire_all()
        assert sub.status == state
    else:
        _apply(world, sub, action)
        db.flush()
        db.expire_all()
        assert sub.status == expected


def test_every_transition_writes_history_and_audit(world):
    from sqlalchemy import select

    from crm.approvals.models import StatusChange
    from crm.audit.models import AuditEvent

    sub = world.submission("published")
    actions = world.db.scalars(
        select(StatusChange.action)
        .where(StatusChange.submission_id == sub.id)
        .order_by(StatusChange.id)
    ).all()
    assert actions == ["create", "submit", "approve", "publish"]
    audited = world.db.scalars(
        select(AuditEvent.action).where(
            AuditEvent.entity == "submission", AuditEvent.entity_id == str(sub.id)
        )
    ).all()
    assert sorted(audited) == sorted(f"submission.{a}" for a in actions)
