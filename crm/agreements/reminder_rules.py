"""The agreements' R7 rules for the daily scan (registered by `crm.agreements.register`):
NDAs expiring, grants ending and payments due. Each task goes to the creator's owner (the
reminders engine gives it to an admin when there is none); archived creators raise nothing."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.agreements.models import Deal, Grant, Nda, Payment
from crm.common.registry import ReminderRule
from crm.creators.models import Creator
from crm.reminders.rules import Candidate, ScanContext

NDA_WINDOWS = (30, 7)
GRANT_WINDOW = 7
PAYMENT_WINDOW = 7


def _live(stmt):
    return stmt.where(Creator.archived.is_(False))


def nda_expiring(session: Session, ctx: ScanContext) -> Iterable[Candidate]:
    """Signed NDAs expiring within 30 days (8–30 days out) and within 7 days (0–7)."""
    wide, narrow = NDA_WINDOWS
    stmt = _live(
        select(Nda.id, Nda.creator_id, Nda.expires_on, Creator.display_name, Creator.owner_id)
        .join(Creator, Creator.id == Nda.creator_id)
        .where(
            Nda.status == "signed",
            Nda.expires_on >= ctx.today,
            Nda.expires_on <= ctx.today + timedelta(days=wide),
        )
    )
    for row in session.execute(stmt):
        days = (row.expires_on - ctx.today).days
        window = narrow if days <= narrow else wide
        yield Candidate(
            rule="nda-expiring",
            dedupe_key=f"nda-expiring-{window}:{row.id}:{row.expires_on.isoformat()}",
            title=f"NDA with {row.display_name} expires on {row.expires_on.isoformat()} "
            f"(within {window} days)",
            due_on=ctx.today,
            creator_id=row.creator_id,
            subject_type="nda",
            subject_id=row.id,
            assignee_id=row.owner_id,
        )


def grant_ending(session: Session, ctx: ScanContext) -> Iterable[Candidate]:
    """Active grants ending within 7 days."""
    stmt = _live(
        select(Grant.id, Grant.creator_id, Grant.ends_on, Creator.display_name, Creator.owner_id)
        .join(Creator, Creator.id == Grant.creator_id)
        .where(
            Grant.status == "active",
            Grant.ends_on >= ctx.today,
            Grant.ends_on <= ctx.today + timedelta(days=GRANT_WINDOW),
        )
    )
    for row in session.execute(stmt):
        yield Candidate(
            rule="grant-ending",
            dedupe_key=f"grant-ending-{GRANT_WINDOW}:{row.id}:{row.ends_on.isoformat()}",
            title=f"Access grant of {row.display_name} ends on {row.ends_on.isoformat()}",
            due_on=ctx.today,
            creator_id=row.creator_id,
            subject_type="grant",
            subject_id=row.id,
            assignee_id=row.owner_id,
        )


def payment_due(session: Session, ctx: ScanContext) -> Iterable[Candidate]:
    """Unpaid payments due within 7 days, and (a second reminder) once overdue.

    Titles carry no amount: a reminder may be read where money may not be shown."""
    stmt = _live(
        select(
            Payment.id,
            Payment.due_on,
            Deal.title,
            Deal.creator_id,
            Creator.display_name,
            Creator.owner_id,
        )
        .join(Deal, Deal.id == Payment.deal_id)
        .join(Creator, Creator.id == Deal.creator_id)
        .where(
            Payment.paid_on.is_(None),
            Payment.voided_at.is_(None),
            Payment.due_on <= ctx.today + timedelta(days=PAYMENT_WINDOW),
            Deal.status != "cancelled",
        )
    )
    for row in session.execute(stmt):
        overdue = row.due_on < ctx.today
        kind = "payment-overdue" if overdue else f"payment-due-{PAYMENT_WINDOW}"
        state = "overdue since" if overdue else "due on"
        yield Candidate(
            rule="payment-due",
            dedupe_key=f"{kind}:{row.id}:{row.due_on.isoformat()}",
            title=f"Payment for “{row.title}” ({row.display_name}) {state} "
            f"{row.due_on.isoformat()}",
            due_on=ctx.today,
            creator_id=row.creator_id,
            subject_type="payment",
            subject_id=row.id,
            assignee_id=row.owner_id,
        )


RULES = (
    ReminderRule("nda-expiring", nda_expiring),
    ReminderRule("grant-ending", grant_ending),
    ReminderRule("payment-due", payment_due),
)
