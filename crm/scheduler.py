"""The scheduler: APScheduler 3.11 running the jobs every domain registers.

Domains add `Job(id, func, trigger, trigger_args)` to `registry(app).jobs` in their
`register(app)`; `func()` takes no arguments and runs inside `app.app_context()`. Triggers are
APScheduler's ("cron", "interval", "date") and their arguments; times are in `CRM_TIMEZONE`.

`create_app` never starts a scheduler (a forking server would run every job once per worker).
`make run` starts one embedded `BackgroundScheduler` (`start_embedded`); production runs one
`flask --app wsgi crm scheduler` (a `BlockingScheduler`) next to the web workers.

Misfire grace is hours, so a job missed while the process was down still runs when it comes
back; missed runs are coalesced into one, and a job never overlaps itself in one process.
Across processes, jobs are safe to run twice, even at once: they claim unique keys in the
database (a reminder's dedupe key, a digest's user+week key), they do not rely on timing.
"""

from __future__ import annotations

import logging
from datetime import datetime

import click
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask, current_app
from flask.cli import with_appcontext

from crm.common.registry import Job, registry
from crm.common.timeutil import org_zone

log = logging.getLogger(__name__)

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


def _execute(app: Flask, job_id: str) -> None:
    """What the scheduler calls: a failing job is logged, never kills the scheduler."""
    try:
        run_job(app, job_id)
    except Exception:
        log.exception("scheduled job %s failed", job_id)


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
        scheduler.add_job(
            _execute,
            trigger=job.trigger,
            args=(app, job.id),
            id=job.id,
            name=job.id,
            replace_existing=True,
            **options,
        )
    return scheduler


def start_embedded(app: Flask) -> BaseScheduler:
    """`make run`: one background scheduler inside the serving process (once per app)."""
    running = app.extensions.get("crm_scheduler")
    if running is not None and running.running:
        return running
    scheduler = build_scheduler(app, BackgroundScheduler)
    scheduler.start()
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


# --- CLI (added to the `crm` group by crm/cli.py) -------------------------------------------


@click.command("scheduler")
@click.option("--list", "list_only", is_flag=True, help="Print the jobs and exit.")
@with_appcontext
def scheduler_command(list_only: bool):
    """Run the scheduler in the foreground (production: exactly one of these)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # current_app is a LocalProxy typed as Flask
    scheduler = build_scheduler(app, BlockingScheduler)
    click.echo(f"Scheduler in {scheduler.timezone}; jobs:")
    for line in describe(scheduler):
        click.echo(f"  {line}")
    if list_only:
        return
    click.echo("Running; Ctrl+C to stop.")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass


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
