"""`flask --app wsgi crm agreements expire [--today YYYY-MM-DD]`."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from crm.common.labels import plural


@click.group("agreements")
def agreements_group():
    """NDAs, grants and deals."""


@agreements_group.command("expire")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None)
@with_appcontext
def expire(today):
    """Expire NDAs and grants whose dates have passed; suspend grants that lose their NDA."""
    from crm.agreements.tasks import expire_agreements_job

    result = expire_agreements_job(today.date() if today else None)
    click.echo(
        f"Expired {plural(result['ndas_expired'], 'NDA')} and "
        f"{plural(result['grants_expired'], 'grant')}."
    )
