"""`flask --app wsgi crm digest send [--week 2026-W47] [--dry-run]`."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext


@click.group("digest")
def digest_group():
    """The weekly digest email."""


@digest_group.command("send")
@click.option("--week", default=None, help="ISO week, e.g. 2026-W47 (default: this week).")
@click.option("--dry-run", is_flag=True, help="Print what would be sent; write nothing.")
@with_appcontext
def send_command(week: str | None, dry_run: bool):
    """Queue the digest for every opted-in user who has not had this week's yet."""
    from crm.common.errors import Invalid
    from crm.db import get_db
    from crm.digest.services import send_weekly

    try:
        report = send_weekly(current_app, get_db().session_factory, week=week, dry_run=dry_run)
    except Invalid as exc:
        raise click.BadParameter(exc.detail, param_hint="--week") from None
    if dry_run:
        click.echo(f"Dry run for week {report.week}; nothing was written.")
        for line in report.lines:
            click.echo(f"  {line}")
        click.echo(
            f"Would send {report.queued}, nothing to send {report.empty}, "
            f"already sent {report.already}."
        )
        return
    click.echo(f"Digest {report}. The outbox sends them (`crm mail flush` sends now).")
