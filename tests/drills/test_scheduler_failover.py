"""Drill: two `crm scheduler` processes on two "hosts" against one PostgreSQL database. One
holds the leader lock and runs the jobs; it is killed (SIGKILL) in the middle of a run; the
other takes over within a minute, runs the interrupted run again, and from then on runs
every job. No run happens twice and the two never run jobs at the same time.

PostgreSQL only (the leader lock is a PostgreSQL advisory lock); on SQLite one scheduler
just runs, which tests/reminders/test_scheduler.py covers.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import text

from crm.db import make_engine
from tests.drills.conftest import is_postgres

ROOT = Path(__file__).resolve().parents[2]
TAKEOVER_LIMIT_S = 60


def _wait(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_the_other_scheduler_takes_over_when_the_leader_dies(scratch_url, tmp_path):
    if not is_postgres(scratch_url):
        pytest.skip("the leader lock is a PostgreSQL advisory lock (SQLite: one scheduler)")
    engine = make_engine(scratch_url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TABLE drill_runs (id serial PRIMARY KEY, job_id text NOT NULL, "
                "fire_time timestamptz NOT NULL, pid int NOT NULL, "
                "started_at timestamptz NOT NULL, finished_at timestamptz)"
            )
        )

    def rows():
        with engine.connect() as conn:
            return conn.execute(
                text(
                    "SELECT job_id, fire_time, pid, started_at, finished_at FROM drill_runs "
                    "ORDER BY started_at"
                )
            ).all()

    env = {
        **os.environ,
        "CRM_ENV": "production",
        "SECRET_KEY": secrets.token_hex(32),
        "DATABASE_URL": scratch_url,
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "CRM_MAIL_DIR": str(tmp_path / "mail"),
    }

    logs = []

    def start():
        log = open(tmp_path / f"scheduler-{len(logs) + 1}.log", "w")
        logs.append(log)
        return subprocess.Popen(
            [sys.executable, "-m", "tests.drills.scheduler_host"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    first = start()
    processes = [first]
    try:
        _wait(lambda: any(r.pid == first.pid for r in rows()), 60, "the first leader")
        second = start()
        processes.append(second)
        time.sleep(3)  # the second is up and asking for the lock
        assert not any(r.pid == second.pid for r in rows()), "both ran jobs"

        # Kill the leader in the middle of a slow run.
        interrupted = _wait(
            lambda: next(
                (
                    r
                    for r in rows()
                    if r.job_id == "drill.slow" and r.pid == first.pid and r.finished_at is None
                ),
                None,
            ),
            60,
            "a slow run of the leader",
        )
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        killed_at = time.monotonic()

        def taken_over():
            mine = [r for r in rows() if r.pid == second.pid and r.finished_at is not None]
            redone = [r for r in mine if (r.job_id, r.fire_time) == interrupted[:2]]
            jobs = {r.job_id for r in mine}
            return redone and jobs == {"drill.slow", "drill.fast"} and len(mine) >= 3

        _wait(taken_over, TAKEOVER_LIMIT_S + 30, "the second scheduler to take over")
        second.send_signal(signal.SIGTERM)
        second.wait(30)
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait(10)
        for log in logs:
            log.close()

    runs = rows()
    by_first = [r for r in runs if r.pid == first.pid]
    by_second = [r for r in runs if r.pid == second.pid]
    assert {r.pid for r in runs} == {first.pid, second.pid}
    # Exactly one ran jobs at a time: everything the second ran began after the first died
    # (its last run started before the second's first).
    assert max(r.started_at for r in by_first) < min(r.started_at for r in by_second)
    takeover = min(r.started_at for r in by_second) - interrupted.started_at
    assert takeover.total_seconds() < TAKEOVER_LIMIT_S, takeover
    # The interrupted run was run again, to the end, by the second.
    again = [r for r in by_second if (r.job_id, r.fire_time) == interrupted[:2]]
    assert len(again) == 1 and again[0].finished_at is not None
    # Every job ran, none twice: one finished run per (job, fire time).
    finished = Counter((r.job_id, r.fire_time) for r in runs if r.finished_at is not None)
    assert finished and all(n == 1 for n in finished.values()), finished
    assert {job for job, _ in finished} == {"drill.slow", "drill.fast"}
    # The ledger agrees: every run it holds finished, once.
    with engine.connect() as conn:
        ledger = conn.execute(
            text("SELECT job_id, fire_time, finished_at, outcome FROM job_runs")
        ).all()
    engine.dispose()
    assert {(r.job_id, r.fire_time) for r in ledger} >= set(finished)
    unfinished = [r for r in ledger if r.finished_at is None]
    assert len(unfinished) <= 2  # at most what the second had started when it was stopped
    assert all(r.outcome == "ok" for r in ledger if r.finished_at is not None)
    assert time.monotonic() - killed_at < TAKEOVER_LIMIT_S + 30
