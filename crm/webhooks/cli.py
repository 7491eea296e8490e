"""`flask --app wsgi crm webhooks deliver`: send every pending delivery now."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group("webhooks")
def webhooks_group() -> None:
    """Webhook deliveries."""


@webhooks_group.command("deliver")
@click.option("--limit", default=1000, show_default=True, help="At most this many deliveries.")
@with_appcontext
def deliver_command(limit: int) -> None:
    """Send every pending delivery now, ignoring the retry backoff."""
    from crm.db import get_db
    from crm.webhooks.services import deliver

    report = deliver(get_db().session_factory, ignore_backoff=True, limit=limit)
    click.echo(f"Webhooks: {report}.")
