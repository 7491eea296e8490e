"""`flask --app wsgi crm creators import FILE [--dry-run]` and `crm creators export [FILE]`."""

from __future__ import annotations

import sys
import time

import click
from flask.cli import with_appcontext

from crm.common.errors import DomainError
from crm.common.labels import plural


@click.group("creators")
def creators_group():
    """Creators: CSV import and export."""


@creators_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check every row and report; write nothing.")
@with_appcontext
def import_command(file: str, dry_run: bool):
    """Import creators from a CSV file: all rows or none."""
    from crm.audit.services import system_actor
    from crm.creators.csvio import import_creators, read_csv
    from crm.db import session_scope

    with open(file, "rb") as handle:
        data = handle.read()
    started = time.monotonic()
    try:
        total = len(read_csv(data))
        with session_scope() as db:
            with click.progressbar(length=total * 2, label="Checking rows", file=sys.stderr) as bar:
                report = import_creators(
                    db, system_actor("import"), data, dry_run=dry_run, progress=bar.update
                )
            if not report.ok:
                db.rollback()
    except DomainError as exc:
        raise click.ClickException(exc.detail) from None
    for error in report.errors[:200]:
        click.echo(f"row {error.row}: {error.field}: {error.message}", err=True)
    if len(report.errors) > 200:
        click.echo(f"… and {len(report.errors) - 200} more problems.", err=True)
    summary = (
        f"{plural(report.rows, 'row')}: {report.created:,} new, {plural(report.updated, 'update')}"
    )
    if not report.ok:
        raise click.ClickException(
            f"{plural(len(report.errors), 'problem')} in {summary}; nothing was imported."
        )
    if dry_run:
        click.echo(f"Dry run, nothing written. {summary}.")
    else:
        click.echo(f"Imported {summary} in {time.monotonic() - started:.1f}s.")


@creators_group.command("export")
@click.argument("file", required=False, type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def export_command(file: str | None):
    """Export every active creator as CSV (to FILE, or stdout)."""
    from crm.audit.services import system_actor
    from crm.creators.csvio import export_lines
    from crm.creators.listing import CreatorFilters
    from crm.db import session_scope

    with session_scope() as db:
        lines = export_lines(db, system_actor("export"), CreatorFilters())
        if file:
            with open(file, "w", encoding="utf-8", newline="") as out:
                out.writelines(lines)
        else:
            for line in lines:
                click.echo(line, nl=False)
