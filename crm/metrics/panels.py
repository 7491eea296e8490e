"""What the metrics domain adds to other pages: the creator's Audience section, the home
panel of the week's movers, and timeline entries for notable jumps. Each runs a fixed
number of queries whatever the history length."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask import url_for
from sqlalchemy import BigInteger, Date, and_, func, or_, select
from sqlalchemy.orm import Session

from crm.common.labels import label
from crm.common.registry import TimelineEntry
from crm.common.timeutil import org_today
from crm.creators.models import Account, Creator
from crm.metrics.charts import Series, combined, line_chart, sample, sparkline
from crm.metrics.models import Snapshot
from crm.metrics.movers import current_movers
from crm.metrics.services import history

SPARK_DAYS = 90
JUMP_PERCENT = 10  # a day-over-day change of at least this percent is notable…
JUMP_ABSOLUTE = 10_000  # …and so is one of at least this many followers


def platform_label(platform: str) -> str:
    return label(platform, "platform")


def audience(
    session: Session, creator: Creator, *, days: int = 365, today: date | None = None
) -> dict:
    """Charts, sparklines and fetch errors of one creator's accounts (two queries; one when
    the creator's accounts are already loaded)."""
    today = today or org_today()
    start = today - timedelta(days=days)
    if "accounts" in creator.__dict__:  # loaded with the creator (the creator page)
        accounts = sorted(creator.accounts, key=lambda a: (a.platform, a.handle, a.id))
    else:
        accounts = list(
            session.scalars(
                select(Account)
                .where(Account.creator_id == creator.id)
                .order_by(Account.platform, Account.handle, Account.id)
            )
        )
    series = history(session, [a.id for a in accounts], start, today)
    spark_from = today - timedelta(days=SPARK_DAYS)
    rows: list[dict[str, Any]] = []
    for account in accounts:
        points = series[account.id]
        name = f"{platform_label(account.platform)} {account.handle}"
        rows.append(
            {
                "account": account,
                "name": name,
                "points": points,
                "sparkline": sparkline([p for p in points if p[0] >= spark_from], label=name),
                "chart": line_chart(
                    [Series(name, points)],
                    title=f"Followers of {name}, last {days} days",
                    chart_id=f"chart-account-{account.id}",
                ),
                "table": sample(points),
            }
        )
    total = combined([r["points"] for r in rows])
    chart = line_chart(
        [Series(f"{creator.display_name} (all accounts)", total)],
        title=f"Followers of {creator.display_name} across all accounts, last {days} days",
        chart_id=f"chart-creator-{creator.id}",
    )
    return {
        "accounts": rows,
        "total": total,
        "total_table": sample(total),
        "chart": chart,
        "days": days,
        "errors": [r for r in rows if r["account"].last_error],
    }


def creator_section(session: Session, creator: Creator, user) -> dict | None:
    data = audience(session, creator)
    return data if data["accounts"] else None


def home_panel(session: Session, user) -> dict | None:
    today = org_today()
    top = current_movers(session, today, 7, limit=5)
    return {"movers": top, "end": today} if top else None


def jump_entries(session: Session, creator: Creator, user, limit: int) -> list[TimelineEntry]:
    """Notable jumps: a change of ≥10 % or ≥10,000 followers since the previous snapshot."""
    order: dict[str, Any] = {"partition_by": Snapshot.account_id, "order_by": Snapshot.captured_on}
    inner = (
        select(
            Snapshot.account_id,
            Snapshot.captured_on,
            Snapshot.followers,
            func.lag(Snapshot.followers, type_=BigInteger).over(**order).label("prev"),
            func.lag(Snapshot.captured_on, type_=Date).over(**order).label("prev_on"),
        )
        .join(Account, Account.id == Snapshot.account_id)
        .where(Account.creator_id == creator.id, Snapshot.followers.is_not(None))
        .subquery()
    )
    delta = func.abs(inner.c.followers - inner.c.prev)
    stmt = (
        select(inner, Account.platform, Account.handle)
        .join(Account, Account.id == inner.c.account_id)
        .where(
            inner.c.prev.is_not(None),
            or_(
                delta >= JUMP_ABSOLUTE,
                and_(inner.c.prev > 0, delta * 100 >= inner.c.prev * JUMP_PERCENT),
            ),
        )
        .order_by(inner.c.captured_on.desc(), inner.c.account_id)
        .limit(limit)
    )
    entries = []
    for row in session.execute(stmt):
        change = row.followers - row.prev
        pct = f" ({change * 100 / row.prev:+.1f} %)" if row.prev else ""
        name = f"{platform_label(row.platform)} {row.handle}"
        entries.append(
            TimelineEntry(
                at=datetime.combine(row.captured_on, time(12), UTC),
                kind="metrics",
                title=f"{name}: {change:+,} followers{pct}",
                detail=(
                    f"From {row.prev:,} on {row.prev_on.isoformat()} "
                    f"to {row.followers:,} on {row.captured_on.isoformat()}."
                ),
                url=url_for("metrics.account", account_id=row.account_id),
            )
        )
    return entries
