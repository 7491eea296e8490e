"""Snapshots: the per-day upsert (R9) and the latest values copied onto accounts and creators.

Account.followers/followers_on and Creator.followers_total are denormalised copies of the
latest snapshot, refreshed here whenever a write touches an account's latest day, so lists
and headers never scan history. Each write also stores the touched accounts' 7- and 30-day
moves to today (`crm.metrics.movers.refresh_movers`), so the movers boards do not either.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import cast

from sqlalchemy import Table, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from crm.common.timeutil import org_today
from crm.creators.models import Account, Creator
from crm.db import utcnow
from crm.metrics.models import SOURCES, Snapshot
from crm.metrics.movers import refresh_movers

MAX_COUNT = 10**15  # far above any audience; refuses typos like an extra dozen digits
METRICS = ("followers", "views", "posts")


@dataclass(frozen=True)
class SnapshotRow:
    """One account's figures for one day, ready to upsert."""

    account_id: int
    captured_on: date
    followers: int | None
    views: int | None
    posts: int | None


# --------------------------------------------------------------------------- the upsert


def _insert_for(session: Session) -> postgresql.Insert | sqlite.Insert:
    dialect = session.get_bind().dialect.name
    table = cast(Table, Snapshot.__table__)  # declared as a FromClause; it is a Table
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise RuntimeError(f"no upsert for the {dialect} dialect")  # pragma: no cover


def upsert_rows(
    session: Session,
    rows: Sequence[SnapshotRow],
    source: str,
    *,
    accounts: Iterable[Account] | None = None,
) -> int:
    """Insert or update one snapshot per (account, day) in one statement; refresh the latest
    figures of the accounts and creators touched. Returns the number of rows written.

    ON CONFLICT makes two concurrent runs safe: the database, not timing, keeps one row a day.
    """
    if source not in SOURCES:
        raise ValueError(f"unknown snapshot source {source!r}")
    if not rows:
        return 0
    now = utcnow()
    stmt = _insert_for(session)
    stmt = stmt.on_conflict_do_update(
        index_elements=["account_id", "captured_on"],
        set_={
            "followers": stmt.excluded.followers,
            "views": stmt.excluded.views,
            "posts": stmt.excluded.posts,
            "source": stmt.excluded.source,
            "fetched_at": stmt.excluded.fetched_at,
        },
    )
    session.flush()
    session.execute(
        stmt,
        [
            {
                "account_id": r.account_id,
                "captured_on": r.captured_on,
                "followers": r.followers,
                "views": r.views,
                "posts": r.posts,
                "source": source,
                "fetched_at": now,
            }
            for r in rows
        ],
    )
    touched = {r.account_id for r in rows}
    refresh_latest(session, touched, accounts=accounts)
    refresh_movers(session, org_today(), touched)
    return len(rows)


def refresh_latest(
    session: Session, account_ids: Iterable[int], *, accounts: Iterable[Account] | None = None
) -> None:
    """Copy each account's latest snapshot onto the account, then re-sum its creator.

    Two bounded queries per chunk of accounts plus one UPDATE per changed account and one
    per creator; `accounts` lets the caller pass objects it already holds.
    """
    ids = sorted(set(account_ids))
    known = {a.id: a for a in accounts or ()}
    creator_ids: set[int] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        latest_day = (
            select(Snapshot.account_id, func.max(Snapshot.captured_on).label("day"))
            .where(Snapshot.account_id.in_(chunk))
            .group_by(Snapshot.account_id)
            .subquery()
        )
        latest = {
            row.account_id: row
            for row in session.execute(
                select(Snapshot.account_id, Snapshot.captured_on, Snapshot.followers).join(
                    latest_day,
                    (Snapshot.account_id == latest_day.c.account_id)
                    & (Snapshot.captured_on == latest_day.c.day),
                )
            )
        }
        missing = [i for i in chunk if i not in known]
        account: Account | None
        if missing:
            for account in session.scalars(select(Account).where(Account.id.in_(missing))):
                known[account.id] = account
        for account_id in chunk:
            account = known.get(account_id)
            row = latest.get(account_id)
            if account is None:
                continue
            creator_ids.add(account.creator_id)
            followers, day = (row.followers, row.captured_on) if row else (None, None)
            if account.followers != followers or account.followers_on != day:
                account.followers = followers
                account.followers_on = day
    session.flush()
    refresh_creator_totals(session, creator_ids)


def refresh_creator_totals(session: Session, creator_ids: Iterable[int]) -> None:
    """Creator.followers_total = the sum of its accounts' latest followers (NULL when none).

    `updated_at` is kept as it was: a nightly count is not an edit of the creator."""
    ids = sorted(set(creator_ids))
    total = (
        select(func.sum(Account.followers))
        .where(Account.creator_id == Creator.id)
        .scalar_subquery()
    )
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        session.execute(
            update(Creator)
            .where(Creator.id.in_(chunk))
            .values(followers_total=total, updated_at=Creator.updated_at)
            .execution_options(synchronize_session=False)
        )
    wanted = set(ids)
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Creator) and obj.id in wanted:
            session.expire(obj, ["followers_total"])


def upsert_snapshot(
    session: Session,
    account: Account,
    day: date,
    followers: int | None,
    views: int | None,
    posts: int | None,
    source: str,
) -> Snapshot:
    """One snapshot per account per day: a second write the same day updates the row."""
    upsert_rows(
        session,
        [SnapshotRow(account.id, day, followers, views, posts)],
        source,
        accounts=[account],
    )
    snapshot = session.scalars(
        select(Snapshot).where(Snapshot.account_id == account.id, Snapshot.captured_on == day)
    ).one()
    session.refresh(snapshot)
    return snapshot
