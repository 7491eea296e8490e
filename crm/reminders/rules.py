"""R7: the daily scan. Each rule returns candidate reminders with a dedupe key; the scan
inserts them with INSERT … ON CONFLICT (dedupe_key) DO NOTHING, so:

- a scan run twice, or by two processes at once, raises nothing new (the database decides);
- a dismissed (or done) reminder never comes back: its row, and so its key, stays;
- a condition that ends and starts again gets a new key (the keys carry the date that
  defines the occurrence: an NDA's `expires_on`, a payment's `due_on`, the start of a lull).

Other domains add rules with `register_rule(fn)`: `fn(session, ctx: ScanContext)` returns
an iterable of `Candidate`. Leave `assignee_id` empty to assign the creator's owner (or, when
there is none or they are inactive, the first active admin). Archived creators raise nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crm.agreements.models import Deal, Grant, Nda, Payment
from crm.auth.models import User
from crm.common.timeutil import zone
from crm.creators.models import Creator
from crm.db import utcnow
from crm.reminders.models import Reminder

log = logging.getLogger(__name__)

NDA_WINDOWS = (30, 7)
GRANT_WINDOW = 7
PAYMENT_WINDOW = 7
QUIET_DAYS = 30
REVIEW_WAIT_WORKING_DAYS = 2
PLANNED_WINDOW = 3


@dataclass
class Candidate:
    rule: str
    dedupe_key: str
    title: str
    due_on: date
    creator_id: int | None = None
    subject_type: str | None = None
    subject_id: int | None = None
    assignee_id: int | None = None  # None: the creator's owner, else an admin


@dataclass
class ScanContext:
    today: date
    tz: tzinfo
    now: datetime

    def day_start(self, day: date) -> datetime:
        """Midnight of `day` in the organisation's zone, as UTC (for datetime columns)."""
        return datetime.combine(day, time(), self.tz).astimezone(UTC)

    def local_date(self, value: datetime) -> date:
        return value.astimezone(self.tz).date()


@dataclass
class ScanResult:
    raised: dict[str, int] = field(default_factory=dict)
    candidates: int = 0
    failed_rules: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.raised.values())


_RULES: dict[str, Callable] = {}


def register_rule(fn: Callable | None = None, *, name: str | None = None):
    """Add a rule to the scan (idempotent by name; usable as a decorator)."""

    def add(rule: Callable) -> Callable:
        _RULES[name or rule.__name__] = rule
        return rule

    return add(fn) if fn is not None else add


def rules() -> dict[str, Callable]:
    return dict(_RULES)


# --- inserting -----------------------------------------------------------------------------


def _first_admin(session: Session) -> int | None:
    return session.scalar(
        select(User.id).where(User.role == "admin", User.active).order_by(User.id).limit(1)
    )


def resolve(session: Session, candidates: list[Candidate]) -> list[dict]:
    """Rows to insert: archived or unknown creators dropped, assignees resolved, keys unique."""
    creator_ids = {c.creator_id for c in candidates if c.creator_id is not None}
    creators = {}
    if creator_ids:
        creators = {
            row.id: row
            for row in session.execute(
                select(Creator.id, Creator.owner_id, Creator.archived).where(
                    Creator.id.in_(creator_ids)
                )
            )
        }
    wanted = {c.assignee_id for c in candidates if c.assignee_id is not None}
    wanted |= {row.owner_id for row in creators.values() if row.owner_id is not None}
    active = set()
    if wanted:
        active = set(session.scalars(select(User.id).where(User.id.in_(wanted), User.active)))
    admin_id: int | None = None
    admin_looked_up = False
    rows, seen = [], set()
    now = utcnow()
    for c in candidates:
        if c.dedupe_key in seen:
            continue
        if c.creator_id is not None:
            creator = creators.get(c.creator_id)
            if creator is None or creator.archived:
                continue
            owner_id = creator.owner_id
        else:
            owner_id = None
        assignee = c.assignee_id if c.assignee_id is not None else owner_id
        if assignee not in active:
            if not admin_looked_up:
                admin_id, admin_looked_up = _first_admin(session), True
            assignee = admin_id
        if assignee is None:
            log.warning("reminder %s has nobody to assign it to; skipped", c.dedupe_key)
            continue
        seen.add(c.dedupe_key)
        rows.append(
            {
                "title": c.title[:300],
                "due_on": c.due_on,
                "assignee_id": assignee,
                "creator_id": c.creator_id,
                "subject_type": c.subject_type,
                "subject_id": c.subject_id,
                "status": "open",
                "rule": c.rule,
                "dedupe_key": c.dedupe_key,
                "created_at": now,
                "updated_at": now,
            }
        )
    return rows


def insert_candidates(session: Session, candidates: list[Candidate]) -> list[tuple[int, str]]:
    """Insert what is new; returns (id, rule) of the reminders actually raised."""
    rows = resolve(session, candidates)
    if not rows:
        return []
    dialect = session.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        stmt = (
            insert(Reminder)
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(Reminder.id, Reminder.rule)
        )
        return [(row.id, row.rule) for row in session.execute(stmt, rows)]
    return _insert_one_by_one(session, rows)  # other databases: a savepoint per row


def _insert_one_by_one(session: Session, rows: list[dict]) -> list[tuple[int, str]]:
    taken = set(
        session.scalars(
            select(Reminder.dedupe_key).where(
                Reminder.dedupe_key.in_([r["dedupe_key"] for r in rows])
            )
        )
    )
    raised = []
    for row in rows:
        if row["dedupe_key"] in taken:
            continue
        try:
            with session.begin_nested():
                reminder = Reminder(**row)
                session.add(reminder)
        except IntegrityError:
            continue
        raised.append((reminder.id, reminder.rule))
    return raised


def scan_reminders(session: Session, today: date, *, tz_name: str | None = "UTC") -> ScanResult:
    """Run every registered rule for `today` and insert what is new. The caller commits."""
    ctx = ScanContext(today=today, tz=zone(tz_name), now=utcnow())
    result = ScanResult()
    candidates: list[Candidate] = []
    for name, rule in rules().items():
        try:
            with session.begin_nested():
                found = list(rule(session, ctx) or [])
        except Exception:
            log.exception("reminder rule %s failed; the other rules still run", name)
            result.failed_rules.append(name)
            continue
        result.raised.setdefault(name, 0)
        candidates.extend(found)
    result.candidates = len(candidates)
    for _id, rule in insert_candidates(session, candidates):
        result.raised[rule] = result.raised.get(rule, 0) + 1
    session.flush()
    return result


# --- the built-in rules (R7) ---------------------------------------------------------------


def _live(stmt):
    return stmt.where(Creator.archived.is_(False))


@register_rule(name="nda-expiring")
def nda_expiring(session: Session, ctx: ScanContext) -> Iterable[Candidate]:
    """Signed NDAs expiring within 30 days (8–30 days out) and within 7 days (0–7)."""
    wide, narrow = NDA_WINDOWS
    stmt = _live(
        select(Nda.id, Nda.creator_id, Nda.expires_on, Creator.display_name)
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
        )


@register_rule(name="grant-ending")
def grant_ending(session: Session, ctx: ScanContext) -> Iterable[Candidate]:
    """Active grants ending within 7 days."""
    stmt = _live(
        select(Grant.id, Grant.creator_id, Grant.ends_on, Creator.display_name)
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
        )


@register_rule(name="payment-due")
def payment_due(session: Session, ctx: ScanContext) -> Iterable[Candidate]:
    """Unpaid payments due within 7 days, and (a second reminder) once overdue.

    Titles carry no amount: a reminder may be read where money may not be shown."""
    stmt = _live(
        select(Payment.id, Payment.due_on, Deal.title, Deal.creator_id, Creator.display_name)
        .join(Deal, Deal.id == Payment.deal_id)
        .join(Creator, Creator.id == Deal.creator_id)
        .where(
            Payment.paid_on.is_(None),
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
        )


@register_rule(name="creator-quiet")
def creator_quiet(session: Session, ctx: ScanContext) -> Iterable[Candidate]:
    """Active creators with no interaction for 30 days (since creation if never contacted).

    The key carries the local date the lull started, so a new interaction followed by a new
    30-day lull raises a new reminder, while a dismissed one stays dismissed."""
    cutoff = ctx.day_start(ctx.today - timedelta(days=QUIET_DAYS - 1))
    since = func.coalesce(Creator.last_interaction_at, Creator.created_at)
    stmt = _live(
        select(Creator.id, Creator.display_name, Creator.last_interaction_at, Creator.created_at)
        .where(Creator.status == "active")
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
        )


def working_days_between(start: date, end: date) -> int:
    """Weekdays (Mon–Fri) after `start` up to and including `end`."""
    if end <= start:
        return 0
    days = (end - start).days
    weeks, rest = divmod(days, 7)
    count = weeks * 5
    for offset in range(1, rest + 1):
        if (start + timedelta(days=weeks * 7 + offset)).weekday() < 5:
            count += 1
    return count
