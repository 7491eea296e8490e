"""R7: the daily scan. Each rule returns candidate reminders with a dedupe key; the scan
inserts them with INSERT … ON CONFLICT (dedupe_key) DO NOTHING, so:

- a scan run twice, or by two processes at once, raises nothing new (the database decides);
- a dismissed (or done) reminder never comes back: its row, and so its key, stays;
- a condition that ends and starts again gets a new key (the keys carry the date that
  defines the occurrence: an NDA's `expires_on`, a payment's `due_on`, the start of a lull).

The rules belong to the domains whose records they watch: each adds
`ReminderRule(name, candidates)` (crm/common/registry.py) to `registry(app).reminder_rules`
in its `register(app)`; `candidates(session, ctx: ScanContext)` returns an iterable of
`Candidate`. This engine knows no domain: a rule puts the assignee into its candidates itself
(usually the creator's owner) and leaves archived creators out in its own query. When the
assignee is empty, or not an active user, the first active admin gets the reminder.

The rules that exist: NDA expiring, grant ending, payment due (crm/agreements/
reminder_rules.py), creator quiet (crm/creators/reminder_rules.py), submission waiting for
review and planned but not approved (crm/approvals/reminder_rules.py).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crm.auth.models import User
from crm.common.clearance import unfiltered
from crm.common.registry import ReminderRule, registry
from crm.common.timeutil import zone
from crm.db import utcnow
from crm.reminders.models import Reminder

log = logging.getLogger(__name__)


@dataclass
class Candidate:
    rule: str
    dedupe_key: str
    title: str
    due_on: date
    creator_id: int | None = None
    subject_type: str | None = None
    subject_id: int | None = None
    assignee_id: int | None = None  # None (or inactive): the first active admin


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


# --- inserting -----------------------------------------------------------------------------


def _first_admin(session: Session) -> int | None:
    return session.scalar(
        select(User.id).where(User.role == "admin", User.active).order_by(User.id).limit(1)
    )


def resolve(session: Session, candidates: list[Candidate]) -> list[dict]:
    """Rows to insert: assignees resolved (an admin for nobody or an inactive user), keys
    unique."""
    wanted = {c.assignee_id for c in candidates if c.assignee_id is not None}
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
        assignee = c.assignee_id
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
        from sqlalchemy.dialects import postgresql, sqlite

        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
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
            ),
            execution_options=unfiltered(),  # a key is taken whoever may see its task
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


def scan_reminders(
    session: Session,
    today: date,
    *,
    tz_name: str | None = "UTC",
    rules: Iterable[ReminderRule] | None = None,
) -> ScanResult:
    """Run every rule (default: the current app's registry) for `today` and insert what is
    new. A failing rule is logged and the others still run. The caller commits."""
    ctx = ScanContext(today=today, tz=zone(tz_name), now=utcnow())
    result = ScanResult()
    candidates: list[Candidate] = []
    for rule in list(registry().reminder_rules if rules is None else rules):
        try:
            with session.begin_nested():
                found = list(rule.candidates(session, ctx) or [])
        except Exception:
            log.exception("reminder rule %s failed; the other rules still run", rule.name)
            result.failed_rules.append(rule.name)
            continue
        result.raised.setdefault(rule.name, 0)
        candidates.extend(found)
    result.candidates = len(candidates)
    for _id, rule_name in insert_candidates(session, candidates):
        result.raised[rule_name] = result.raised.get(rule_name, 0) + 1
    session.flush()
    return result


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
