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

Pages that show today (the home panel, the movers page) do not compute this at request
time: `refresh_movers` stores each account's 7- and 30-day move whenever snapshots are
written (and a daily job starts each day), and `current_movers` reads the stored rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import cast as cast_table

from sqlalchemy import (
    Date,
    Float,
    Integer,
    Table,
    and_,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    select,
)
from sqlalchemy.orm import Session, aliased

from crm.creators.models import Account, Creator
from crm.metrics.models import MoverRun, Snapshot, StoredMover

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


def _moves(
    end: date,
    days: int,
    account_ids: list[int] | None = None,
    creator_ids: list[int] | None = None,
):
    """Per account (archived creators included), the two ends of its move over `days` to
    `end`: account_id, base_on, base, current_on, current, change, percent (None from a zero
    baseline). Accounts without both ends, or whose count did not change, are left out."""
    start = end - timedelta(days=days)
    # Per account, the two days to compare are picked by correlated subqueries that seek the
    # (account_id, captured_on) index: one seek each per account instead of scanning every
    # snapshot in both windows (the difference between ~1 s and ~0.1 s at 11M snapshots).
    picks = select(
        Account.id.label("account_id"),
        _latest_day_of(Account.id, start + timedelta(days=1), end).label("cur_day"),
        _latest_day_of(Account.id, start - timedelta(days=days), start).label("base_day"),
    )
    if account_ids is not None:
        picks = picks.where(Account.id.in_(account_ids))
    if creator_ids is not None:
        picks = picks.where(Account.creator_id.in_(creator_ids))
    picked = picks.subquery("picked")
    cur = aliased(Snapshot, name="cur")
    base = aliased(Snapshot, name="base")
    change = cur.followers - base.followers
    percent = case(
        (base.followers > 0, cast(change, Float) * 100.0 / cast(base.followers, Float)),
        else_=None,
    )
    return (
        select(
            picked.c.account_id,
            base.captured_on.label("base_on"),
            base.followers.label("base"),
            cur.captured_on.label("current_on"),
            cur.followers.label("current"),
            change.label("change"),
            percent.label("percent"),
        )
        .select_from(picked)
        .join(cur, and_(cur.account_id == picked.c.account_id, cur.captured_on == picked.c.cur_day))
        .join(
            base,
            and_(base.account_id == picked.c.account_id, base.captured_on == picked.c.base_day),
        )
        .where(cur.followers != base.followers)
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
    """The `limit` accounts whose followers moved most (up or down) over `days` to `end`,
    computed from the snapshots (any day; the digest's weeks). Pages showing today read the
    stored movers instead (`current_movers`)."""
    if days < 1:
        raise ValueError("days must be at least 1")
    if by not in ("absolute", "percent"):
        raise ValueError("by must be absolute or percent")
    moves = _moves(end, days, creator_ids=creator_ids).subquery("moves")
    stmt = (
        select(
            Account.id,
            Account.creator_id,
            Creator.display_name,
            Account.platform,
            Account.handle,
            moves.c.base_on,
            moves.c.base,
            moves.c.current_on,
            moves.c.current,
        )
        .select_from(moves)
        .join(Account, Account.id == moves.c.account_id)
        .join(Creator, Creator.id == Account.creator_id)
        .where(Creator.archived.is_(False))
    )
    if by == "percent":
        stmt = stmt.where(moves.c.percent.is_not(None)).order_by(
            func.abs(moves.c.percent).desc(), Account.id
        )
    else:
        stmt = stmt.order_by(func.abs(moves.c.change).desc(), Account.id)
    # The WHERE clause leaves out rows with a NULL count, which the row type cannot show.
    return [Mover(*row) for row in session.execute(stmt.limit(limit))]


# --------------------------------------------------------------------------- stored movers


def _has_run(session: Session, end: date) -> bool:
    return session.get(MoverRun, end) is not None


def refresh_movers(session: Session, end: date, account_ids: Iterable[int] | None = None) -> None:
    """Store the 7- and 30-day moves to `end` (every period of PERIODS).

    Without `account_ids` (the daily job, or the first snapshot write of a day) every
    account is computed again, older days are dropped and the day is marked complete. With
    `account_ids` (a snapshot write) only those accounts are computed again; when the day
    was not complete yet, every account is. Bounded: a fixed number of statements per 500
    accounts, each an INSERT … SELECT that seeks the snapshot index per account.
    """
    if account_ids is not None and not _has_run(session, end):
        account_ids = None
    table = cast_table(Table, StoredMover.__table__)
    if account_ids is None:
        session.execute(delete(StoredMover))
        chunks: list[list[int] | None] = [None]
    else:
        ids = sorted(set(account_ids))
        chunks = [ids[i : i + 500] for i in range(0, len(ids), 500)]
    for chunk in chunks:
        if chunk is not None:
            session.execute(
                delete(StoredMover).where(
                    StoredMover.end_on == end, StoredMover.account_id.in_(chunk)
                )
            )
        for days in PERIODS:
            moves = _moves(end, days, chunk).subquery("moves")
            rows = select(
                literal(end, Date),
                literal(days, Integer),
                moves.c.account_id,
                moves.c.base_on,
                moves.c.base,
                moves.c.current_on,
                moves.c.current,
                func.abs(moves.c.change),
                func.abs(moves.c.percent),
            )
            session.execute(
                insert(table).from_select(
                    [
                        "end_on",
                        "days",
                        "account_id",
                        "base_on",
                        "base",
                        "current_on",
                        "current",
                        "magnitude",
                        "percent_magnitude",
                    ],
                    rows,
                )
            )
    if account_ids is None:
        session.execute(delete(MoverRun))
        session.add(MoverRun(end_on=end))
    session.flush()


def stored_movers(
    session: Session, end: date, days: int, *, by: str = "absolute", limit: int = 10
) -> list[Mover] | None:
    """The stored movers to `end`, or None when `end` was never computed for every account
    (the caller then computes from the snapshots). One indexed read; two when none moved."""
    if by not in ("absolute", "percent"):
        raise ValueError("by must be absolute or percent")
    order = StoredMover.magnitude if by == "absolute" else StoredMover.percent_magnitude
    stmt = (
        select(
            Account.id,
            Account.creator_id,
            Creator.display_name,
            Account.platform,
            Account.handle,
            StoredMover.base_on,
            StoredMover.base,
            StoredMover.current_on,
            StoredMover.current,
        )
        .join(Account, Account.id == StoredMover.account_id)
        .join(Creator, Creator.id == Account.creator_id)
        .where(StoredMover.end_on == end, StoredMover.days == days, Creator.archived.is_(False))
        .order_by(order.desc(), Account.id)
        .limit(limit)
    )
    if by == "percent":
        stmt = stmt.where(StoredMover.percent_magnitude.is_not(None))
    found = [Mover(*row) for row in session.execute(stmt)]
    if found or _has_run(session, end):
        return found
    return None


def current_movers(
    session: Session, end: date, days: int, *, by: str = "absolute", limit: int = 10
) -> list[Mover]:
    """What the pages show for `end` (today): the stored movers when that day is complete,
    else computed from the snapshots (before the first write or the daily job of a day)."""
    if days in PERIODS:
        found = stored_movers(session, end, days, by=by, limit=limit)
        if found is not None:
            return found
    return movers(session, end, days, by=by, limit=limit)
