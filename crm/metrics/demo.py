"""Demo data: a year of daily history for the demo creators' accounts (bulk inserts)."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import cast

from sqlalchemy import Table, insert, select

from crm.common.registry import DemoLoader
from crm.common.timeutil import org_today, utcnow
from crm.creators.identity import handle_key, handle_skeleton
from crm.creators.models import Account, Creator
from crm.metrics.models import Snapshot
from crm.metrics.services import refresh_latest

DAYS = 365


def _fallback_creators(session) -> list[Creator]:
    """When no creators loader ran: two creators with two channels each."""
    people = [
        (
            "Maya Lens",
            [
                ("youtube", "@mayalens", "UCmayalens000000000000001"),
                ("instagram", "maya.lens", None),
            ],
        ),
        (
            "Theo Draws",
            [
                ("youtube", "@theodraws", "UCtheodraws00000000000001"),
                ("tiktok", "@theodraws", None),
            ],
        ),
    ]
    creators = []
    for name, accounts in people:
        creator = Creator(display_name=name, search_name=name.lower(), status="active")
        session.add(creator)
        session.flush()
        for platform, handle, external_id in accounts:
            session.add(
                Account(
                    creator_id=creator.id,
                    platform=platform,
                    handle=handle,
                    handle_key=handle_key(handle),
                    handle_skeleton=handle_skeleton(handle),
                    external_id=external_id,
                )
            )
        creators.append(creator)
    session.flush()
    return creators


def load(session, context: dict) -> None:
    creators = context.get("creators") or _fallback_creators(session)
    ids = [c.id for c in creators]
    accounts = list(
        session.scalars(select(Account).where(Account.creator_id.in_(ids)).order_by(Account.id))
    )
    if not accounts:
        creators = _fallback_creators(session)
        accounts = list(
            session.scalars(
                select(Account)
                .where(Account.creator_id.in_([c.id for c in creators]))
                .order_by(Account.id)
            )
        )
    rng = random.Random(2026)
    today = org_today()
    start = today - timedelta(days=DAYS - 1)
    now = utcnow()
    rows = []
    for account in accounts:
        followers = rng.choice([800, 5_000, 40_000, 250_000, 1_200_000]) * rng.uniform(0.5, 1.5)
        views = followers * rng.uniform(20, 200)
        posts = rng.randint(20, 400)
        drift = rng.uniform(-0.0008, 0.004)  # most grow, a few shrink
        jump_day = rng.randrange(DAYS) if rng.random() < 0.4 else None
        for offset in range(DAYS):
            day = start + timedelta(days=offset)
            followers *= 1 + drift + rng.gauss(0, 0.002)
            if offset == jump_day:
                followers *= rng.choice([1.18, 1.3, 0.88])  # a viral video, a purge
            views += followers * rng.uniform(0.01, 0.2)
            if rng.random() < 0.05:
                posts += 1
            if rng.random() < 0.03 and offset not in (0, DAYS - 1):
                continue  # a missed night: the charts and movers must cope with gaps
            rows.append(
                {
                    "account_id": account.id,
                    "captured_on": day,
                    "followers": int(followers),
                    "views": int(views),
                    "posts": posts,
                    "source": "api" if offset > 60 else "import",
                    "fetched_at": now,
                }
            )
    table = cast(Table, Snapshot.__table__)  # declared as a FromClause; it is a Table
    for chunk in range(0, len(rows), 5000):
        session.execute(insert(table), rows[chunk : chunk + 5000])
    refresh_latest(session, [a.id for a in accounts], accounts=accounts)
    context["snapshots"] = len(rows)


LOADER = DemoLoader("metrics", load, order=70)
