"""The `flask --app wsgi crm …` command group, built once per app.

`build_cli(app)` makes a new `crm` group (two apps never share one), adds the commands of
the project as a whole (`db upgrade`, `demo`, and the scheduler's `scheduler` and `jobs`),
then every command a domain put in `registry(app).cli_commands` from its `register(app)`.
"""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from crm.common.registry import registry
from crm.scheduler import jobs_group, scheduler_command


def build_cli(app: Flask) -> click.Group:
    group = click.Group("crm", help="Creator Relations CRM commands.")
    for command in (db_group, demo, scheduler_command, jobs_group):
        group.add_command(command)
    for command in registry(app).cli_commands:
        if command.name in group.commands:
            raise ValueError(f"the command `crm {command.name}` is registered twice")
        group.add_command(command)
    return group


@click.group("db")
def db_group():
    """Database schema."""


@db_group.command("upgrade")
@click.option("--revision", default="heads", show_default=True)
@with_appcontext
def db_upgrade(revision: str):
    """Apply migrations (the only way the schema changes)."""
    from crm.migrate import upgrade

    upgrade(current_app.config["DATABASE_URL"], revision)
    click.echo("Database is up to date.")


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when users already exist.")
@with_appcontext
def demo(if_empty: bool):
    """Load demo data into a new database and print the demo logins."""
    from sqlalchemy import func, select

    from crm.auth.models import User
    from crm.db import session_scope

    with session_scope() as db:
        if db.scalar(select(func.count()).select_from(User)):
            if if_empty:
                click.echo("Demo data not loaded: the database already has users.")
                return
            raise click.ClickException("The database already has users; demo needs a new one.")
        context: dict = {}
        for loader in sorted(registry(current_app).demo_loaders, key=lambda d: d.order):
            loader.load(db, context)
            db.flush()
    click.echo("Demo data loaded. Log in with any of these:")
    for email, role, password in context.get("logins", []):
        click.echo(f"  {role:<8} {email:<28} password: {password}")
