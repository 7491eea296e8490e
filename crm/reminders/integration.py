"""Where reminders meet the other domains, wired once by `connect()` from `register(app)`.

- Agreements (R2): grants suspended because their NDA ended become a task for the owner.
- Mail: a reminder someone assigns to another user is emailed to that user.
"""

from __future__ import annotations

import importlib.util

from sqlalchemy.orm import Session

from crm.common.timeutil import org_today
from crm.reminders import services


def _has(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def remind_owner_of_suspended_grants(session: Session, grants) -> None:
    for grant in grants:
        services.remind(
            session,
            assignee_id=None,  # the creator's owner, else an admin
            title=f"Grant #{grant.id} was suspended: its NDA ended. Renew the NDA or revoke.",
            due_on=org_today(),
            creator_id=grant.creator_id,
            subject=("grant", grant.id),
            rule="grant-suspended",
            dedupe_key=f"grant-suspended:{grant.id}:{grant.nda_id}",
        )


def email_assignee(session: Session, reminder) -> None:
    from crm.mail.notifications import notify_reminder_assigned

    assigned_by = None
    if reminder.created_by_id:
        from crm.auth.models import User

        assigned_by = session.get(User, reminder.created_by_id)
    notify_reminder_assigned(session, reminder, assigned_by=assigned_by)


def connect() -> None:
    if _has("crm.agreements"):
        from crm.agreements import services as agreements

        if remind_owner_of_suspended_grants not in agreements.on_grants_suspended:
            agreements.on_grants_suspended.append(remind_owner_of_suspended_grants)
    if _has("crm.mail"):
        services.add_assigned_hook(email_assignee)
