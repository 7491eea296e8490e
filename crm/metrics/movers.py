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


def _latest_day(start: date | None, end: date):
    stmt = select(
        Snapshot.account_id.label("account_id"), func.max(Snapshot.captured_on).label("day")
    ).where(Snapshot.captured_on <= end, Snapshot.followers.is_not(None))
    if start is not None:
        stmt = stmt.where(Snapshot.captured_on >= start)
    return stmt.group_by(Snapshot.account_id)


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
    cur_day = _latest_day(start + timedelta(days=1), end).subquery("cur_day")
    base_day = _latest_day(start - timedelta(days=days), start).subquery("base_day")
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
        .select_from(cur_day)
        .join(base_day, base_day.c.account_id == cur_day.c.account_id)
        .join(cur, and_(cur.account_id == cur_day.c.account_id, cur.captured_on == cur_day.c.day))
        .join(
            base, and_(base.account_id == base_day.c.account_id, base.captured_on == base_day.c.day)
        )
        .join(Account, Account.id == cur_day.c.account_id)
        .join(Creator, Creator.id == Account.creator_id)
        .where(Creator.archived.is_(False), cur.followers != base.followers)
    )
    if creator_ids is not None:
        stmt = stmt.where(Account.creator_id.in_(creator_ids))
    if by == "percent":
        stmt = stmt.where(base.followers > 0).order_by(func.abs(percent).desc(), Account.id)
    else:
        stmt = stmt.order_by(func.abs(change).desc(), Account.id)
    return [Mover(*row) for row in session.execute(stmt.limit(limit))]
