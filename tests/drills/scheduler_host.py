"""A scheduler process for the failover drill: the real app and `crm.scheduler.run_scheduler`,
with the registered jobs replaced by two drill jobs that record every run in `drill_runs`
(created by the drill). Run as `python -m tests.drills.scheduler_host` with DATABASE_URL."""

from __future__ import annotations

import os
import signal
import threading
import time

from sqlalchemy import text

from crm import create_app
from crm.common.registry import Job, registry
from crm.db import session_scope
from crm.scheduler import current_fire_time, run_scheduler

SLOW_SECONDS = float(os.environ.get("DRILL_SLOW_SECONDS", "4"))


def _record(job_id: str, seconds: float) -> None:
    from flask import current_app

    app = current_app._get_current_object()
    fire = current_fire_time.get()
    with session_scope(app) as session:
        run_id = session.execute(
            text(
                "INSERT INTO drill_runs (job_id, fire_time, pid, started_at) "
                "VALUES (:job, :fire, :pid, clock_timestamp()) RETURNING id"
            ),
            {"job": job_id, "fire": fire, "pid": os.getpid()},
        ).scalar()
    time.sleep(seconds)
    with session_scope(app) as session:
        session.execute(
            text("UPDATE drill_runs SET finished_at = clock_timestamp() WHERE id = :id"),
            {"id": run_id},
        )


def main() -> None:
    app = create_app()
    registry(app).jobs[:] = [
        Job("drill.slow", lambda: _record("drill.slow", SLOW_SECONDS), "interval", {"seconds": 10}),
        Job("drill.fast", lambda: _record("drill.fast", 0.1), "interval", {"seconds": 2}),
    ]
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    run_scheduler(app, stop, poll=1)


if __name__ == "__main__":
    main()
