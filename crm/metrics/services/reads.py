"""Reads of accounts and their snapshot history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.common.errors import Invalid, NotFound
from crm.common.pagination import Page, SortKey, keyset_page
from crm.creators.models import Account
from crm.metrics.models import Snapshot


def get_account(session: Session, account_id: int) -> Account:
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound("No such account.")
    return account


def list_snapshots(
    session: Session,
    account: Account,
    *,
    start: date | None = None,
    end: date | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page:
    """An account's snapshots, newest first, between `start` and `end` inclusive."""
    if start and end and start > end:
        raise Invalid({"from": ["must be on or before 'to'"]})
    stmt = select(Snapshot).where(Snapshot.account_id == account.id)
    if start:
        stmt = stmt.where(Snapshot.captured_on >= start)
    if end:
        stmt = stmt.where(Snapshot.captured_on <= end)
    order = [SortKey(Snapshot.captured_on, "captured_on", True)]
    return keyset_page(session, stmt, order, cursor, limit)


def history(
    session: Session, account_ids: Sequence[int], start: date, end: date
) -> dict[int, list[tuple[date, int]]]:
    """Followers per account per day in [start, end] (days without a count are left out)."""
    out: dict[int, list[tuple[date, int]]] = {i: [] for i in account_ids}
    if not account_ids:
        return out
    rows = session.execute(
        select(Snapshot.account_id, Snapshot.captured_on, Snapshot.followers)
        .where(
            Snapshot.account_id.in_(list(account_ids)),
            Snapshot.captured_on >= start,
            Snapshot.captured_on <= end,
            Snapshot.followers.is_not(None),
        )
        .order_by(Snapshot.account_id, Snapshot.captured_on)
    )
    for account_id, day, followers in rows:
        assert followers is not None  # the query leaves out days without a count
        out[account_id].append((day, followers))
    return out
