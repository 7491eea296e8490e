"""Demo data: a few manual tasks, then one scan so the rules' reminders show up."""

from __future__ import annotations

from datetime import timedelta

from crm.common.timeutil import org_today, org_zone
from crm.reminders.models import Reminder
from crm.reminders.rules import scan_reminders

MANUAL = [
    # (assignee, author, title, days from today)
    ("manager@example.com", None, "Send the launch brief to the new creators", -2),
    ("manager@example.com", None, "Call the agency about Q3 rates", 0),
    ("manager@example.com", "admin@example.com", "Collect W-9 forms for paid deals", 3),
    ("manager2@example.com", None, "Plan the creator meetup", 10),
    ("legal@example.com", "manager@example.com", "Review the renewal terms of the NDA template", 1),
    ("admin@example.com", None, "Check who still has access to the beta", 5),
]


def load(session, context: dict) -> None:
    today = org_today()
    users = context.get("users") or {}
    creators = [c for c in context.get("creators") or [] if not c.archived]
    for n, (assignee, author, title, days) in enumerate(MANUAL):
        user = users.get(assignee)
        if user is None:
            continue
        by = users.get(author) if author else user
        creator = creators[n] if n < len(creators) and n % 2 == 0 else None
        session.add(
            Reminder(
                title=title,
                due_on=today + timedelta(days=days),
                assignee_id=user.id,
                creator_id=creator.id if creator else None,
                subject_type="creator" if creator else None,
                subject_id=creator.id if creator else None,
                status="open",
                rule="",
                created_by_id=by.id if by else None,
            )
        )
    session.flush()
    result = scan_reminders(session, today, tz_name=org_zone().key)
    context["reminders_raised"] = result.total
