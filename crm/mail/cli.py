"""`flask --app wsgi crm mail flush`: send every pending message now, ignoring backoff."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext


@click.group("mail")
def mail_group():
    """The email outbox."""


@mail_group.command("flush")
@click.option("--limit", default=1000, show_default=True, help="At most this many messages.")
@with_appcontext
def flush_command(limit: int):
    """Send every pending message now, ignoring the retry backoff."""
    from crm.db import get_db
    from crm.mail.services import flush, using_smtp

    report = flush(current_app, get_db().session_factory, ignore_backoff=True, limit=limit)
    where = "SMTP" if using_smtp(current_app) else f"files in {current_app.config['CRM_MAIL_DIR']}"
    click.echo(f"Outbox ({where}): {report}.")
