"""Biggest audience movers over a period, computed in SQL with a fixed number of queries.

Gaps in the data are the rule (a failed night, a manual history with holes), so a period
compares, per account:
- the *current* figure: the latest snapshot with a follower count on or before `end` and
  after `start` (`start = end - days`);
- the *baseline*: the latest snapshot with a follower count on or before `start`, no older
  than `start - days` (a 7-day mover is never measured against a baseline months old).
Accounts without both are skipped. The dates actually compared are returned, so a page can
say "over 9 days" when the data had holes. Percent ranks only accounts with a baseline above
zero. Archived creators are left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Float, and_, cast, func, select
from sqlalchemy.orm import Session, aliased

from crm.creators.models import Account, Creator
from crm.metrics.models import Snapshot

PERIODS = (7, 30)


@dataclass(frozen=True)
class Mover:
    account_id: int
    creator_id: int
    creator_name: str
    platform: str
    handle: str
    base_on: date
    base: int
    current_on: date
    current: int

    @property
    def change(self) -> int:
        return self.current - self.base

    @property
    def percent(self) -> float | None:
        return None if self.base <= 0 else self.change * 100.0 / self.base

    @property
    def days(self) -> int:
        return (self.current_on - self.base_on).days


def _latest_day_of(account_id, start: date, end: date):
    """The newest day in [start, end] with a follower count, for one (correlated) account."""
    return (
        select(Snapshot.captured_on)
        .where(
            Snapshot.account_id == account_id,
            Snapshot.captured_on >= start,
            Snapshot.captured_on <= end,
            Snapshot.followers.is_not(None),
        )
        .order_by(Snapshot.captured_on.desc())
        .limit(1)
        .correlate(Account)
        .scalar_subquery()
    )


def movers(
    session: Session,
    end: date,
    days: int,
    *,
    by: str = "absolute",
    limit: int = 10,
    creator_ids: list[int] | None = None,
) -> list[Mover]:
    """The `limit` accounts whose followers moved most (up or down) over `days` to `end`."""
    if days < 1:
        raise ValueError("days must be at least 1")
    if by not in ("absolute", "percent"):
        raise ValueError("by must be absolute or percent")
    start = end - timedelta(days=days)
    # Per account, the two days to compare are picked by correlated subqueries that seek the
    # (account_id, captured_on) index: one seek each per account instead of scanning every
    # snapshot in both windows (the difference between ~1 s and ~0.1 s at 11M snapshots).
    picks = (
        select(
            Account.id.label("account_id"),
            _latest_day_of(Account.id, start + timedelta(days=1), end).label("cur_day"),
            _latest_day_of(Account.id, start - timedelta(days=days), start).label("base_day"),
        )
        .join(Creator, Creator.id == Account.creator_id)
        .where(Creator.archived.is_(False))
    )
    if creator_ids is not None:
        picks = picks.where(Account.creator_id.in_(creator_ids))
    picked = picks.subquery("picked")
    cur = aliased(Snapshot, name="cur")
    base = aliased(Snapshot, name="base")
    change = cur.followers - base.followers
    percent = cast(change, Float) * 100.0 / cast(base.followers, Float)
    stmt = (
        select(
            Account.id,
            Account.creator_id,
            Creator.display_name,
            Account.platform,
            Account.handle,
            base.captured_on,
            base.followers,
            cur.captured_on,
            cur.followers,
        )
        .select_from(picked)
        .join(cur, and_(cur.account_id == picked.c.account_id, cur.captured_on == picked.c.cur_day))
        .join(
            base,
            and_(base.account_id == picked.c.account_id, base.captured_on == picked.c.base_day),
        )
        .join(Account, Account.id == picked.c.account_id)
        .join(Creator, Creator.id == Account.creator_id)
        .where(Creator.archived.is_(False), cur.followers != base.followers)
    )
    if by == "percent":
        stmt = stmt.where(base.followers > 0).order_by(func.abs(percent).desc(), Account.id)
    else:
        stmt = stmt.order_by(func.abs(change).desc(), Account.id)
    # The WHERE clause leaves out rows with a NULL count, which the row type cannot show.
    return [Mover(*row) for row in session.execute(stmt.limit(limit))]  # type: ignore[arg-type]
