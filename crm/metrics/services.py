"""Snapshots: the per-day upsert (R9), manual entry, CSV import of history, history reads.

Account.followers/followers_on and Creator.followers_total are denormalised copies of the
latest snapshot, refreshed here whenever a write touches an account's latest day, so lists
and headers never scan history.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, cast

from sqlalchemy import Table, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from crm.audit.services import record
from crm.common.actor import Actor
from crm.common.csvfiles import CsvReader
from crm.common.errors import FieldErrors, Invalid, NotFound
from crm.common.ids import parse_id
from crm.common.pagination import Page, SortKey, keyset_page
from crm.creators.models import Account, Creator
from crm.db import utcnow
from crm.metrics.models import SOURCES, Snapshot

if TYPE_CHECKING:
    from crm.metrics.clients import ProviderError

MAX_COUNT = 10**15  # far above any audience; refuses typos like an extra dozen digits
MAX_IMPORT_ROWS = 100_000
MAX_REPORTED_ERRORS = 100
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
    refresh_latest(session, {r.account_id for r in rows}, accounts=accounts)
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


# --------------------------------------------------------------------------- validation


def parse_count(raw: object, field: str, errors: FieldErrors, *, prefix: str = "") -> int | None:
    """Blank → None; otherwise a non-negative whole number (thousands separators allowed)."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        errors.add(field, f"{prefix}must be a whole number")
        return None
    if isinstance(raw, int):
        value = raw
    else:
        text = str(raw).strip().replace(",", "").replace("_", "")
        if text == "":
            return None
        if not text.lstrip("-").isdigit() or not text.isascii():
            errors.add(field, f"{prefix}must be a whole number")
            return None
        value = int(text)
    if value < 0:
        errors.add(field, f"{prefix}must not be negative")
        return None
    if value > MAX_COUNT:
        errors.add(field, f"{prefix}is implausibly large")
        return None
    return value


def check_day(day: date | None, today: date, errors: FieldErrors, *, prefix: str = "") -> None:
    if day is None:
        errors.add("captured_on", f"{prefix}is required")
    elif day > today:
        errors.add("captured_on", f"{prefix}must not be in the future")


def record_manual_snapshot(
    session: Session,
    actor: Actor,
    account: Account,
    *,
    captured_on: date | None,
    followers: int | str | None,
    views: int | str | None,
    posts: int | str | None,
    today: date,
) -> tuple[Snapshot, bool]:
    """A person's figures for a day (validated); returns (snapshot, created)."""
    errors = FieldErrors()
    check_day(captured_on, today, errors)
    values = {
        name: parse_count(raw, name, errors)
        for name, raw in zip(METRICS, (followers, views, posts), strict=True)
    }
    if not errors and all(v is None for v in values.values()):
        errors.add("followers", "enter at least one of followers, views or posts")
    errors.raise_if_any()
    assert captured_on is not None  # check_day refused a missing day
    existed = session.scalar(
        select(Snapshot.id).where(
            Snapshot.account_id == account.id, Snapshot.captured_on == captured_on
        )
    )
    snapshot = upsert_snapshot(session, account, captured_on, source="manual", **values)
    record(
        session,
        actor,
        "snapshot.manual",
        "account",
        account.id,
        {"captured_on": captured_on, **values},
    )
    return snapshot, existed is None


# --------------------------------------------------------------------------- CSV import


@dataclass
class ImportResult:
    rows: int
    accounts: int


def _handle_key(handle: str) -> str:
    return handle.strip().lstrip("@").lower()


def import_history_csv(
    session: Session, actor: Actor, data: bytes | str, *, today: date
) -> ImportResult:
    """Import snapshot history from CSV, all or nothing.

    Columns: `account_id` or `platform` + `handle`, then `date` (YYYY-MM-DD), `followers`,
    `views`, `posts` (blank = unknown). Every bad row is reported (as "line N"), and nothing
    is written unless every row is valid. Imported rows replace that day's figures.
    """
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise Invalid({"file": ["must be a UTF-8 CSV file"]}) from None
    reader = CsvReader(data)
    header = {(h or "").strip().lower() for h in reader.fieldnames or []}
    if "date" not in header or not ("account_id" in header or {"platform", "handle"} <= header):
        raise Invalid(
            {"file": ["needs a header row with date and account_id (or platform and handle)"]}
        )
    errors = FieldErrors()
    parsed: list[tuple[int, dict]] = []
    wanted_ids: set[int] = set()
    wanted_handles: set[tuple[str, str]] = set()
    for line, raw in enumerate(reader, start=2):
        if len(parsed) >= MAX_IMPORT_ROWS:
            raise Invalid({"file": [f"has more than {MAX_IMPORT_ROWS} rows; split it"]})
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        if not any(row.values()):
            continue
        where = f"line {line}"
        local = FieldErrors()
        item: dict = {}
        if row.get("account_id"):
            if parse_id(row["account_id"]) is None:
                local.add(where, "account_id must be a whole number")
            else:
                item["account_id"] = parse_id(row["account_id"])
                wanted_ids.add(item["account_id"])
        elif row.get("platform") and row.get("handle"):
            item["key"] = (row["platform"].lower(), _handle_key(row["handle"]))
            wanted_handles.add(item["key"])
        else:
            local.add(where, "needs account_id, or platform and handle")
        try:
            item["day"] = date.fromisoformat(row.get("date", ""))
            if item["day"] > today:
                local.add(where, "date must not be in the future")
        except ValueError:
            local.add(where, "date must be a date YYYY-MM-DD")
        for name in METRICS:
            item[name] = parse_count(row.get(name), where, local, prefix=f"{name} ")
        for field, messages in local.errors.items():
            for message in messages:
                errors.add(field, message)
        if not local:
            parsed.append((line, item))
    if not parsed and not errors:
        raise Invalid({"file": ["has no rows"]})

    by_id: dict[int, int] = {}
    if wanted_ids:
        ids = sorted(wanted_ids)
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            by_id.update(
                {i: i for i in session.scalars(select(Account.id).where(Account.id.in_(chunk)))}
            )
    by_key: dict[tuple[str, str], int] = {}
    if wanted_handles:
        keys = sorted({k for _p, k in wanted_handles})
        for start in range(0, len(keys), 500):
            key_chunk = keys[start : start + 500]
            for acc_id, platform, key in session.execute(
                select(Account.id, Account.platform, Account.handle_key).where(
                    Account.handle_key.in_(key_chunk)
                )
            ):
                by_key[(platform, key)] = acc_id

    rows: list[SnapshotRow] = []
    seen: dict[tuple[int, date], int] = {}
    for line, item in parsed:
        where = f"line {line}"
        if "account_id" in item:
            account_id = by_id.get(item["account_id"])
            if account_id is None:
                errors.add(where, f"no account with id {item['account_id']}")
                continue
        else:
            account_id = by_key.get(item["key"])
            if account_id is None:
                errors.add(where, f"no {item['key'][0]} account with handle {item['key'][1]}")
                continue
        first = seen.setdefault((account_id, item["day"]), line)
        if first != line:
            errors.add(where, f"repeats the account and date of line {first}")
            continue
        rows.append(SnapshotRow(account_id, item["day"], *(item[m] for m in METRICS)))
    if len(errors.errors) > MAX_REPORTED_ERRORS:
        shown = dict(list(errors.errors.items())[:MAX_REPORTED_ERRORS])
        shown["file"] = [f"and {len(errors.errors) - MAX_REPORTED_ERRORS} more rows with errors"]
        raise Invalid(shown)
    errors.raise_if_any()
    upsert_rows(session, rows, "import")
    accounts = len({r.account_id for r in rows})
    record(
        session,
        actor,
        "snapshot.import",
        "snapshot",
        None,
        {"rows": len(rows), "accounts": accounts},
    )
    return ImportResult(rows=len(rows), accounts=accounts)


# --------------------------------------------------------------------------- reads


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


def record_failure(account: Account, error: ProviderError, at: datetime | None = None) -> None:
    """Keep an account's last fetch error (already scrubbed of secrets) and when it happened."""
    at = at or utcnow()
    account.last_error = f"{error.kind}: {error.message}"[:500]
    account.last_error_at = at
    state = dict(account.fetch_state or {})
    state["last_error_kind"] = error.kind
    if getattr(error, "log_id", None):
        state["last_log_id"] = error.log_id
    account.fetch_state = state


def record_success(account: Account, at: datetime | None = None, log_id: str | None = None) -> None:
    at = at or utcnow()
    state = dict(account.fetch_state or {})
    state.pop("last_error_kind", None)
    state["last_ok_at"] = at.isoformat()
    if log_id:
        state["last_log_id"] = log_id
    account.fetch_state = state
    account.last_error = None
    account.last_error_at = None
