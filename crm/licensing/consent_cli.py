"""`flask --app wsgi crm consent scan-sites [--creator ID]`: read creators' own signals."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from crm.common.labels import plural


@click.group("consent")
def consent_group() -> None:
    """Consent records and creators' own signals."""


@consent_group.command("scan-sites")
@click.option("--creator", "creator_id", type=int, default=None, help="Only this creator.")
@with_appcontext
def scan_sites_command(creator_id: int | None) -> None:
    """Read the declared sites' robots.txt, tdmrep.json, tdm-reservation and ai.txt now."""
    from crm.db import get_session
    from crm.licensing import services, signals_scan

    db = get_session()
    found = signals_scan.scan(db, [creator_id] if creator_id is not None else None)
    conflicts = signals_scan.conflicts(db, services.today())
    db.commit()
    click.echo(f"{plural(found, 'signal')} found, {plural(len(conflicts), 'conflict')}.")
