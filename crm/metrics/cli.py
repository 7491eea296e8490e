"""`flask --app wsgi crm metrics snapshot [--platform P]`."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from crm.metrics.fetch import FETCHED_PLATFORMS


@click.group("metrics")
def metrics_group():
    """Audience metrics."""


@metrics_group.command("snapshot")
@click.option(
    "--platform",
    type=click.Choice(FETCHED_PLATFORMS),
    default=None,
    help="Only this platform (default: all configured).",
)
@with_appcontext
def snapshot(platform: str | None):
    """Fetch today's audience figures; exits 1 when any account failed."""
    from crm.metrics.fetch import snapshot_all

    summary = snapshot_all(current_app._get_current_object(), platform=platform)  # type: ignore[attr-defined]  # current_app is a LocalProxy typed as Flask
    for line in summary.lines():
        click.echo(line)
    if summary.failed:
        raise SystemExit(1)
