"""The scheduler: APScheduler 3.11 running the jobs every domain registers.

Domains add `Job(id, func, trigger, trigger_args)` to `registry(app).jobs` in their
`register(app)`; `func()` takes no arguments and runs inside `app.app_context()`. Triggers are
APScheduler's ("cron", "interval", "date") and their arguments; times are in `CRM_TIMEZONE`.

`create_app` never starts a scheduler (a forking server would run every job once per worker).
`make run` starts one embedded `BackgroundScheduler` (`start_embedded`); production runs
`flask --app wsgi crm scheduler` next to the web workers, on one host or on two.

Two hosts: on PostgreSQL each `crm scheduler` process asks for one session-level advisory
lock (`pg_try_advisory_lock`) on a connection of its own, and only the process holding it
runs jobs. The other asks again every `CRM_SCHEDULER_LEADER_POLL_SECONDS` (10). When the
leader dies its connection closes and PostgreSQL releases the lock at once (a lost host: TCP
keepalives on both sides close the connection within about 30 s), so the other process takes
over within a minute. The leader checks its connection at the same pace and stops running
jobs when it loses it. On SQLite there is one host: the scheduler just runs.

Every scheduled run goes through the ledger (crm/common/jobruns.py): a run is claimed as
(job, fire time) before it starts and marked when it ends. A run that already finished is
skipped; one left unfinished by a dead leader is run again by the next; a fire time missed
while no scheduler ran is caught up once when one starts (coalesced, within the misfire
grace of hours). Interval triggers count from a fixed epoch, so every process agrees on the
fire times. Jobs stay safe to run twice anyway: they claim unique keys in the database (a
reminder's dedupe key, a digest's user+week key), they do not rely on timing.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from typing import Any

import click
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.pool import NullPool

from crm.common import jobruns
from crm.common.registry import Job, registry
from crm.common.timeutil import org_zone
from crm.db import get_db, session_scope

log = logging.getLogger(__name__)

LEADER_LOCK_KEY = 7_263_514_082  # one bigint for "the scheduler of this database"
LEADER_POLL_SECONDS = 10
INTERVAL_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)  # interval jobs fire at epoch + k × interval
current_fire_time: ContextVar[datetime | None] = ContextVar("current_fire_time", default=None)

MISFIRE_GRACE_SECONDS = 6 * 3600
JOB_DEFAULTS = {
    "misfire_grace_time": MISFIRE_GRACE_SECONDS,
    "coalesce": True,
    "max_instances": 1,
}


def find_job(app: Flask, job_id: str) -> Job:
    for job in registry(app).jobs:
        if job.id == job_id:
            return job
    known = ", ".join(sorted(j.id for j in registry(app).jobs)) or "none"
    raise KeyError(f"No job {job_id!r}; registered jobs: {known}")


def run_job(app: Flask, job_id: str):
    """Run one registered job now, synchronously, in an app context (tests, `crm jobs run`).
    Exceptions propagate to the caller."""
    job = find_job(app, job_id)
    with app.app_context():
        return job.func()


def owner_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


def last_fire_time(trigger: Any, now: datetime) -> datetime | None:
    """The trigger's latest fire time at or before `now` (None when it never fired)."""
    interval = getattr(trigger, "interval", None)
    start = getattr(trigger, "start_date", None)
    if isinstance(interval, timedelta) and start is not None:
        if now < start:
            return None
        return start + interval * ((now - start) // interval)
    window = timedelta(hours=1)
    while window <= timedelta(days=64):
        probe = now - window
        fire = trigger.get_next_fire_time(None, probe)
        last = None
        while fire is not None and fire <= now:
            last = fire
            fire = trigger.get_next_fire_time(fire, fire + timedelta(microseconds=1))
        if last is not None:
            return last
        window *= 4
    return None


def _execute(app: Flask, job_id: str, trigger: Any = None) -> None:
    """What the scheduler calls: claims the run in the ledger, runs the job, marks it done.
    A failing job is logged (and marked failed), never kills the scheduler."""
    fire = last_fire_time(trigger, datetime.now(UTC)) if trigger is not None else None
    if fire is not None:
        try:
            with session_scope(app) as session:
                if not jobruns.claim(session, job_id, fire, owner_name()):
                    log.info("scheduled job %s for %s already ran; skipped", job_id, fire)
                    return
        except Exception:
            log.exception("scheduled job %s: the run could not be claimed", job_id)
            return
    token = current_fire_time.set(fire)
    outcome = "ok"
    try:
        run_job(app, job_id)
    except Exception:
        outcome = "failed"
        log.exception("scheduled job %s failed", job_id)
    finally:
        current_fire_time.reset(token)
    if fire is not None:
        try:
            with session_scope(app) as session:
                jobruns.finish(session, job_id, fire, outcome)
        except Exception:
            log.exception("scheduled job %s: the run could not be marked done", job_id)


def build_scheduler(app: Flask, scheduler_class: type[BaseScheduler] = BackgroundScheduler):
    """A scheduler (not started) holding every registered job, in CRM_TIMEZONE."""
    tz = org_zone(app)
    scheduler = scheduler_class(timezone=tz, job_defaults=dict(JOB_DEFAULTS))
    seen = set()
    for job in registry(app).jobs:
        if job.id in seen:
            log.warning("job %s registered twice; the first one is kept", job.id)
            continue
        seen.add(job.id)
        # Set on each job too (not only as scheduler defaults, applied at start), so a job
        # may override them in its trigger_args and the built scheduler shows them.
        options = {**JOB_DEFAULTS, **job.trigger_kwargs(app)}
        if job.trigger == "interval":
            options.setdefault("start_date", INTERVAL_EPOCH)
        added = scheduler.add_job(
            _execute,
            trigger=job.trigger,
            args=(app, job.id),
            id=job.id,
            name=job.id,
            replace_existing=True,
            **options,
        )
        added.modify(args=(app, job.id, added.trigger))
    return scheduler


def catch_up(app: Flask, scheduler: BaseScheduler, now: datetime | None = None) -> list[str]:
    """Before a scheduler starts: every job whose latest fire time (within its misfire grace)
    has no finished run in the ledger, though the job ran here before, runs at once (a run
    cut short by a dead leader, or missed while no scheduler ran). Returns their ids."""
    now = now or datetime.now(UTC)
    due = []
    with session_scope(app) as session:
        for job in scheduler.get_jobs():
            fire = last_fire_time(job.trigger, now)
            grace = job.misfire_grace_time or MISFIRE_GRACE_SECONDS
            if fire is None or (now - fire).total_seconds() > grace:
                continue
            if not jobruns.has_history(session, job.id) or jobruns.finished(session, job.id, fire):
                continue
            due.append(job.id)
    for job_id in due:
        scheduler.modify_job(job_id, next_run_time=now)
    return due


def start_embedded(app: Flask) -> BaseScheduler:
    """`make run`: one background scheduler inside the serving process (once per app)."""
    running = app.extensions.get("crm_scheduler")
    if running is not None and running.running:
        return running
    scheduler = build_scheduler(app, BackgroundScheduler)
    scheduler.start(paused=True)
    catch_up(app, scheduler)
    scheduler.resume()
    app.extensions["crm_scheduler"] = scheduler
    for line in describe(scheduler):
        log.info("scheduler: %s", line)
    return scheduler


def next_fire_times(scheduler: BaseScheduler, now: datetime | None = None) -> list[tuple]:
    """(job id, trigger, next fire time) for every job, started or not."""
    now = now or datetime.now(scheduler.timezone)
    out = []
    for job in scheduler.get_jobs():
        fire = getattr(job, "next_run_time", None) or job.trigger.get_next_fire_time(None, now)
        out.append((job.id, job.trigger, fire))
    return out


def describe(scheduler: BaseScheduler, now: datetime | None = None) -> list[str]:
    lines = []
    for job_id, trigger, fire in next_fire_times(scheduler, now):
        when = fire.isoformat() if fire else "never"
        lines.append(f"{job_id:<24} next {when}  ({trigger})")
    return lines


# --- leadership on two hosts ---------------------------------------------------------------


def is_postgres(app: Flask) -> bool:
    return get_db(app).engine.dialect.name == "postgresql"


class Leadership:
    """The PostgreSQL advisory lock that makes one scheduler process the leader. It is held
    by a connection of its own (no pool), with TCP keepalives on both ends, so the lock goes
    when the process or its host does."""

    def __init__(self, app: Flask):
        url = get_db(app).engine.url
        self.engine = create_engine(
            url,
            poolclass=NullPool,
            connect_args={
                "keepalives": 1,
                "keepalives_idle": 10,
                "keepalives_interval": 5,
                "keepalives_count": 3,
                "connect_timeout": 10,
                "application_name": "crm scheduler",
            },
        )
        self.connection: Connection | None = None

    def acquire(self) -> bool:
        """Try once; True when this process now holds the lock."""
        if self.connection is not None:
            return self.held()
        try:
            connection = self.engine.connect()
        except Exception:
            log.warning("scheduler: the database cannot be reached; trying again")
            return False
        try:
            for setting in (
                "SET tcp_keepalives_idle = 10",
                "SET tcp_keepalives_interval = 5",
                "SET tcp_keepalives_count = 3",
            ):
                connection.execute(text(setting))
            got = connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": LEADER_LOCK_KEY}
            ).scalar()
            connection.commit()
        except Exception:
            connection.close()
            return False
        if got:
            self.connection = connection
            return True
        connection.close()
        return False

    def held(self) -> bool:
        """Still the leader: the lock's connection answers."""
        if self.connection is None:
            return False
        try:
            self.connection.execute(text("SELECT 1"))
            self.connection.commit()
            return True
        except Exception:
            self.release()
            return False

    def release(self) -> None:
        connection, self.connection = self.connection, None
        if connection is not None:
            try:
                connection.close()  # closing the session releases its advisory locks
            except Exception:
                log.debug("scheduler: the lock's connection was already gone", exc_info=True)

    def dispose(self) -> None:
        self.release()
        self.engine.dispose()


def run_scheduler(
    app: Flask, stop: threading.Event | None = None, *, poll: float | None = None
) -> None:
    """`crm scheduler`: run the jobs until `stop` is set (SIGTERM / Ctrl+C). On PostgreSQL,
    only while this process holds the leader lock; on SQLite, at once."""
    stop = stop or threading.Event()
    poll = float(poll or app.config.get("CRM_SCHEDULER_LEADER_POLL_SECONDS") or LEADER_POLL_SECONDS)
    leadership = Leadership(app) if is_postgres(app) else None
    try:
        while not stop.is_set():
            if leadership is not None and not leadership.acquire():
                stop.wait(poll)
                continue
            log.info("scheduler %s: leading; running the jobs", owner_name())
            scheduler = build_scheduler(app, BackgroundScheduler)
            scheduler.start(paused=True)
            try:
                with session_scope(app) as session:
                    jobruns.purge(session)
                caught = catch_up(app, scheduler)
                if caught:
                    log.info("scheduler: catching up %s", ", ".join(caught))
            except Exception:
                log.exception("scheduler: catching up failed")
            scheduler.resume()
            lost = False
            while not stop.wait(poll):
                if leadership is not None and not leadership.held():
                    lost = True
                    break
            scheduler.shutdown(wait=not lost)
            if lost:
                log.warning("scheduler %s: lost the leader lock; waiting", owner_name())
    finally:
        if leadership is not None:
            leadership.dispose()


# --- CLI (added to the `crm` group by crm/cli.py) -------------------------------------------


@click.command("scheduler")
@click.option("--list", "list_only", is_flag=True, help="Print the jobs and exit.")
@with_appcontext
def scheduler_command(list_only: bool):
    """Run the scheduler in the foreground (on PostgreSQL one process leads, others wait)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # current_app is a LocalProxy typed as Flask
    scheduler = build_scheduler(app, BlockingScheduler)
    click.echo(f"Scheduler in {scheduler.timezone}; jobs:")
    for line in describe(scheduler):
        click.echo(f"  {line}")
    if list_only:
        return
    if is_postgres(app):
        click.echo("Running when this process holds the leader lock; Ctrl+C to stop.")
    else:
        click.echo("Running; Ctrl+C to stop.")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        run_scheduler(app, stop)
    except KeyboardInterrupt:
        stop.set()


@click.group("jobs")
def jobs_group():
    """Scheduled jobs."""


@jobs_group.command("list")
@with_appcontext
def jobs_list():
    """List the registered jobs and their next run times."""
    scheduler = build_scheduler(current_app._get_current_object(), BackgroundScheduler)
    for line in describe(scheduler):
        click.echo(line)


@jobs_group.command("run")
@click.argument("job_id")
@with_appcontext
def jobs_run(job_id: str):
    """Run one registered job now, in this process."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # current_app is a LocalProxy typed as Flask
    try:
        find_job(app, job_id)
    except KeyError as exc:
        raise click.ClickException(str(exc.args[0])) from None
    result = run_job(app, job_id)
    click.echo(f"Job {job_id} done." + (f" {result}" if result else ""))
