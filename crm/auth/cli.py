"""`flask --app wsgi crm create-user EMAIL --role ROLE` and `crm create-token EMAIL`."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from crm.audit.services import system_actor
from crm.common.errors import DomainError
from crm.common.permissions import ROLES


def _read_password() -> str:
    if sys.stdin is not None and not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@click.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--name", default=None, help="Display name (defaults to the email's local part).")
@with_appcontext
def create_user(email: str, role: str, name: str | None):
    """Create a user; the password is read from stdin or a prompt."""
    from crm.auth import services
    from crm.db import session_scope

    password = _read_password()
    try:
        with session_scope() as db:
            user = services.create_user(
                db,
                system_actor("cli"),
                email=email,
                name=name or email.split("@")[0],
                role=role,
                password=password,
            )
            click.echo(f"Created {user.email} ({user.role}).")
    except DomainError as exc:
        raise click.ClickException(exc.detail) from None


@click.command("invite-user")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--name", default=None, help="Display name (defaults to the email's local part).")
@click.option(
    "--print-link",
    is_flag=True,
    help="Also print the invitation link (for an operator to pass on); it is emailed anyway.",
)
@with_appcontext
def invite_user(email: str, role: str, name: str | None, print_link: bool):
    """Create a user who chooses their own password from an emailed, single-use link."""
    from flask import current_app

    from crm.auth import links
    from crm.db import session_scope

    try:
        with session_scope() as db:
            invitation = links.invite_user(
                db,
                system_actor("cli"),
                email=email,
                name=name,
                role=role,
                settings=links.settings_from(current_app.config),
            )
            address, granted = invitation.user.email, invitation.user.role
            expires = invitation.link.expires_at.strftime("%Y-%m-%d %H:%M UTC")
    except DomainError as exc:
        raise click.ClickException(exc.detail) from None
    click.echo(
        f"Invited {address} ({granted}); the email is in the outbox. Link valid until {expires}."
    )
    if print_link:
        click.echo(invitation.url)


@click.command("create-token")
@click.argument("email")
@click.option("--name", default="CLI token")
@with_appcontext
def create_token(email: str, name: str):
    """Print a new API token for a user, once (only its hash is stored)."""
    from crm.auth import services
    from crm.db import session_scope

    try:
        with session_scope() as db:
            user = services.find_user_by_email(db, email)
            if user is None or not user.active:
                raise click.ClickException(f"No active user {email}.")
            _token, raw = services.create_token(db, system_actor("cli"), user, name)
    except DomainError as exc:
        raise click.ClickException(exc.detail) from None
    click.echo(raw)
