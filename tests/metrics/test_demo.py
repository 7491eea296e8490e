"""Demo data: a year of daily history, loaded in bulk."""

from __future__ import annotations

import time

from sqlalchemy import func, select

from crm.creators.models import Account, Creator
from crm.metrics.demo import DAYS, load
from crm.metrics.models import Snapshot
from tests.factories import AccountFactory, CreatorFactory


def test_demo_history_for_forty_creators_loads_quickly(db):
    creators = [CreatorFactory.build() for _ in range(40)]
    db.add_all(creators)
    db.flush()
    for i, creator in enumerate(creators):
        db.add(AccountFactory.build(creator_id=creator.id, platform="youtube"))
        db.add(
            AccountFactory.build(
                creator_id=creator.id,
                platform="instagram",
                handle=f"ig{i}",
                handle_key=f"ig{i}",
                external_id=None,
            )
        )
    db.flush()

    started = time.perf_counter()
    context = {"creators": creators}
    load(db, context)
    elapsed = time.perf_counter() - started

    rows = db.scalar(select(func.count()).select_from(Snapshot))
    assert 80 * DAYS * 0.95 < rows <= 80 * DAYS and context["snapshots"] == rows
    assert elapsed < 10, elapsed
    db.expire_all()
    assert (
        db.scalar(select(func.count()).select_from(Account).where(Account.followers.is_(None))) == 0
    )
    assert all(c.followers_total for c in db.scalars(select(Creator)))


def test_demo_falls_back_to_its_own_creators(db):
    context: dict = {}
    load(db, context)
    assert db.scalar(select(func.count()).select_from(Creator)) == 2
    assert context["snapshots"] > 4 * DAYS * 0.9
