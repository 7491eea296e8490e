"""How approvals reacts to events (connected by `crm.approvals.register`). Each receiver runs
inside the transaction of the change that sent the signal: it adds rows and flushes.

- `decision_recorded` (approvals): legal's "request changes" becomes a task for the
  submitter (R7). The email of every decision is `crm.approvals.notifications`.
- `release_moved` (agreements, R4): when a product's public date moves later, approved
  submissions naming it return to review.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from crm.approvals import services
from crm.common.timeutil import org_today
from crm.creators.reminder_rules import remind_about


def task_for_requested_changes(submission, *, session: Session, decision, **_kwargs) -> None:
    if decision.decision != "request_changes":
        return
    remind_about(
        session,
        submission.creator_id,
        assignee_id=submission.submitted_by,
        title=f"Legal asked for changes to “{submission.title}”",
        due_on=org_today(),
        subject=("submission", submission.id),
        rule="changes-requested",
        dedupe_key=f"changes-requested:{submission.id}:{decision.id}",
    )


def reopen_on_release_moved(product, *, session: Session, before, after, **_kwargs) -> None:
    services.on_product_release_moved(session, product, before, after)
