"""`flask --app wsgi crm reminders scan [--today YYYY-MM-DD]`."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import with_appcontext


@click.group("reminders")
def reminders_group():
    """Reminders (R7)."""


def _parse_day(_ctx, _param, value):
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("must be a date YYYY-MM-DD") from None


@reminders_group.command("scan")
@click.option("--today", callback=_parse_day, help="Scan as of this day (YYYY-MM-DD).")
@with_appcontext
def scan(today: date | None):
    """Raise the reminders of every rule now (safe to repeat: nothing is raised twice)."""
    from crm.common.timeutil import org_today, org_zone
    from crm.db import session_scope
    from crm.reminders.rules import scan_reminders

    day = today or org_today()
    with session_scope() as session:
        result = scan_reminders(session, day, tz_name=org_zone().key)
    click.echo(f"Scan for {day.isoformat()}: {result.total} new reminders.")
    for rule, count in sorted(result.raised.items()):
        click.echo(f"  {rule:<32} {count}")
    if result.failed_rules:
        click.echo(f"Rules that failed (see the log): {', '.join(result.failed_rules)}", err=True)
