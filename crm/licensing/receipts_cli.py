"""`flask --app wsgi crm receipts verify FILE`: check a consent receipt's signature."""

from __future__ import annotations

import json
from typing import TextIO

import click
from flask.cli import with_appcontext


@click.group("receipts")
def receipts_group() -> None:
    """Signed consent receipts."""


@receipts_group.command("verify")
@click.argument("file", type=click.File("r"))
@with_appcontext
def verify_command(file: TextIO) -> None:
    """Verify the receipt in FILE (a compact JWS, or JSON with a "receipt" field)."""
    from crm.db import get_session
    from crm.licensing import receipts

    text = file.read().strip()
    token: object = text
    if text.startswith("{"):
        try:
            token = json.loads(text).get("receipt")
        except (ValueError, AttributeError):
            token = None
    if receipts.verify(get_session(), token):
        click.echo("valid")
        return
    click.echo("invalid")
    raise SystemExit(1)
