"""Closing loops: the automatic tasks about a submission close when their cause ends.

- "Legal asked for changes" (raised on request_changes): closed once the submission leaves
  changes_requested (a new revision, or withdrawn).
- "Waiting for review" (the daily scan): closed once it leaves in_review.
- "Planned but not approved" (the daily scan): closed once approved, published, rejected or
  withdrawn.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from crm.common.actor import Actor
from crm.common.labels import phrase
from crm.reminders.services import resolve

SETTLED = ("approved", "published", "rejected", "withdrawn")


def close_loops(session: Session, actor: Actor, submission_id: int, after: str) -> None:
    subject = ("submission", submission_id)
    rules: list[str] = []
    if after != "changes_requested":
        rules.append("changes-requested")
    if after != "in_review":
        rules.append("submission-review-waiting")
    if after in SETTLED:
        rules.append("submission-planned-unapproved")
    reason = f"the submission is {phrase(after, 'submission_status')}"
    resolve(session, actor, subject, rules=tuple(rules), reason=reason)
