"""`crm creators invite CREATOR_ID EMAIL [--print-link]` (added to the creators group)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from crm.audit.services import system_actor
from crm.common.errors import DomainError


@click.command("invite")
@click.argument("creator_id", type=int)
@click.argument("email")
@click.option(
    "--relation",
    type=click.Choice(["creator", "representative"]),
    default="creator",
    show_default=True,
)
@click.option("--print-link", is_flag=True, help="Also print the link (it is emailed anyway).")
@with_appcontext
def invite_command(creator_id: int, email: str, relation: str, print_link: bool):
    """Invite a creator (or their representative) to the creator portal by email."""
    from crm.db import session_scope
    from crm.portal.services import accounts

    try:
        with session_scope() as db:
            invitation = accounts.invite(
                db,
                system_actor("cli"),
                creator_id=creator_id,
                email=email,
                relation=relation,
                settings=accounts.settings_from(current_app.config),
            )
            address = invitation.account.email
            expires = invitation.link.expires_at.strftime("%Y-%m-%d %H:%M UTC")
            url = invitation.url
    except DomainError as exc:
        raise click.ClickException(exc.detail) from None
    click.echo(
        f"Invited {address} to the portal for creator #{creator_id}; the email is in the "
        f"outbox. Link valid until {expires}."
    )
    if print_link:
        click.echo(url)
