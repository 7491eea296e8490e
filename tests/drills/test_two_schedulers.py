"""Drill: two scheduler processes fire the same job at the same moment (a second
`crm scheduler` started by mistake, or a cron overlapping a long run). Two real
`flask --app wsgi crm jobs run reminders.scan` processes against one database (a SQLite
file, or PostgreSQL) raise each reminder exactly once.

The same race between two threads of one process is in tests/reminders/test_scheduler.py
(test_the_scan_job_run_twice_at_once_raises_each_reminder_once); two reviewers deciding at
once is tests/approvals/test_concurrency.py
(test_two_reviewers_deciding_at_once_exactly_one_wins); two digest senders at once is
tests/digest/test_concurrency.py.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from crm import create_app
from crm.common.timeutil import today_in
from crm.db import get_db, session_scope
from crm.reminders.models import Reminder
from tests.factories import (
    CreatorFactory,
    DealFactory,
    GrantFactory,
    NdaFactory,
    ProductFactory,
    UserFactory,
)
from tests.reminders.factories import PaymentFactory

ROOT = Path(__file__).resolve().parents[2]
CREATORS = 40


def _seed(app) -> None:
    today = today_in(app.config["CRM_TIMEZONE"])
    with session_scope(app) as s:
        owner = UserFactory.build(role="manager")
        product = ProductFactory.build()
        s.add_all([owner, product])
        s.flush()
        creators = [CreatorFactory.build(owner_id=owner.id) for _ in range(CREATORS)]
        s.add_all(creators)
        s.flush()
        for n, creator in enumerate(creators):
            s.add(NdaFactory.build(creator_id=creator.id, expires_on=today + timedelta(days=2)))
            s.add(
                GrantFactory.build(
                    creator_id=creator.id, product_id=product.id, ends_on=today + timedelta(days=1)
                )
            )
            deal = DealFactory.build(creator_id=creator.id)
            s.add(deal)
            s.flush()
            s.add(PaymentFactory.build(deal_id=deal.id, due_on=today - timedelta(days=1 + n % 3)))


def test_two_scheduler_processes_raise_each_reminder_once(app_config, scratch_url, tmp_path):
    app = create_app({**app_config, "DATABASE_URL": scratch_url})
    _seed(app)
    env = {
        **os.environ,
        "CRM_ENV": "production",
        "SECRET_KEY": secrets.token_hex(32),
        "DATABASE_URL": scratch_url,
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "CRM_MAIL_DIR": str(tmp_path / "mail"),
    }
    flask = Path(sys.executable).with_name("flask")
    command = [str(flask), "--app", "wsgi", "crm", "jobs", "run", "reminders.scan"]
    processes = [
        subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120) for p in processes]
    for process, (out, err) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, out + err
        assert "Traceback" not in err
        # Both processes really ran the scan over the same candidates.
        assert f"candidates={3 * CREATORS}" in out, out

    with session_scope(app) as s:
        keys = list(s.scalars(select(Reminder.dedupe_key)))
    get_db(app).engine.dispose()
    counts = Counter(keys)
    assert len(keys) == 3 * CREATORS, Counter(k.split(":")[0] for k in keys)
    assert all(n == 1 for n in counts.values())
