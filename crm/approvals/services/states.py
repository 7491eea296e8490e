"""The submission lifecycle (R5): state → {action: next state}; anything else is a 409."""

from __future__ import annotations

from crm.common.errors import Conflict
from crm.common.labels import phrase
from crm.common.states import StateMachine

ACTIONS = (
    "submit",
    "add_revision",
    "approve",
    "request_changes",
    "reject",
    "publish",
    "withdraw",
    "reopen",  # R4: a named product's release moved later (the system does this)
)

TRANSITIONS = StateMachine(
    "submission",
    {
        "draft": {"submit": "in_review", "add_revision": "draft", "withdraw": "withdrawn"},
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
        # rejected, published and withdrawn are final.
        "rejected": {},
        "published": {},
        "withdrawn": {},
    },
)

ACTION_LABELS = {
    "create": "created",
    "submit": "submitted for review",
    "add_revision": "new revision",
    "approve": "approved",
    "request_changes": "changes requested",
    "reject": "rejected",
    "publish": "published",
    "withdraw": "withdrawn",
    "reopen": "back to review",
}


def next_status(status: str, action: str) -> str:
    """The state after `action`, or Conflict when the state machine refuses it."""
    after = TRANSITIONS.next(status, action)
    if after is None:
        raise Conflict(
            f"A submission that is {phrase(status, 'submission_status')} cannot be "
            f"{ACTION_LABELS.get(action, action)}."
        )
    return after


def allowed_actions(status: str) -> set[str]:
    return set(TRANSITIONS.actions(status))
