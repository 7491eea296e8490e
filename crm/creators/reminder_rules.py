"""The creators' part of reminders (R7): the quiet-creator rule of the daily scan
(registered by `crm.creators.register`) and `remind_about`, which other domains use to raise
a task about a creator."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm.common.registry import ReminderRule
from crm.creators.models import Creator
from crm.reminders.models import Reminder
from crm.reminders.rules import Candidate, ScanContext
from crm.reminders.services import remind

QUIET_DAYS = 30


def creator_quiet(session: Session, ctx: ScanContext) -> Iterable[Candidate]:
    """Active creators with no interaction for 30 days (since creation if never contacted).

    The key carries the local date the lull started, so a new interaction followed by a new
    30-day lull raises a new reminder, while a dismissed one stays dismissed."""
    cutoff = ctx.day_start(ctx.today - timedelta(days=QUIET_DAYS - 1))
    since = func.coalesce(Creator.last_interaction_at, Creator.created_at)
    stmt = (
        select(
            Creator.id,
            Creator.display_name,
            Creator.owner_id,
            Creator.last_interaction_at,
            Creator.created_at,
        )
        .where(Creator.archived.is_(False), Creator.status == "active")
        .where(since < cutoff)
    )
    for row in session.execute(stmt):
        start = row.last_interaction_at or row.created_at
        start_day = ctx.local_date(start)
        what = "last contact" if row.last_interaction_at else "added"
        yield Candidate(
            rule="creator-quiet",
            dedupe_key=f"creator-quiet-{QUIET_DAYS}:{row.id}:{start_day.isoformat()}",
            title=f"No contact with {row.display_name} for {(ctx.today - start_day).days} days "
            f"({what} {start_day.isoformat()})",
            due_on=ctx.today,
            creator_id=row.id,
            subject_type="creator",
            subject_id=row.id,
            assignee_id=row.owner_id,
        )


RULES = (ReminderRule("creator-quiet", creator_quiet),)


def remind_about(
    session: Session,
    creator_id: int,
    *,
    assignee_id: int | None = None,
    title: str,
    due_on: date,
    subject: tuple[str, int] | None = None,
    rule: str,
    dedupe_key: str,
) -> Reminder | None:
    """`crm.reminders.services.remind` about a creator: nothing for an archived (or unknown)
    creator (returns None); without `assignee_id` the task goes to the creator's owner (an
    admin when there is none or they are inactive). Idempotent by `dedupe_key`."""
    row = session.execute(
        select(Creator.owner_id, Creator.archived).where(Creator.id == creator_id)
    ).first()
    if row is None or row.archived:
        return None
    return remind(
        session,
        assignee_id=row.owner_id if assignee_id is None else assignee_id,
        title=title,
        due_on=due_on,
        creator_id=creator_id,
        subject=subject,
        rule=rule,
        dedupe_key=dedupe_key,
    )
