"""A creator's channels (accounts): add, edit, remove."""

from __future__ import annotations

from flask import request, url_for
from flask_login import current_user

from crm.common.errors import NotFound
from crm.common.permissions import EDITORS, allow
from crm.creators import services
from crm.creators.forms import AccountForm
from crm.creators.views.base import _render_form, bp
from crm.db import get_session
from crm.web.forms import handle_action, handle_form


def _account_data(form: AccountForm) -> dict:
    return {k: getattr(form, k).data for k in ("platform", "handle", "external_id", "url")}


ACCOUNT_HELP = {
    "handle": "With or without the leading @; compared without case.",
    "url": "Derived for YouTube, Instagram, TikTok, X, Twitch and LinkedIn.",
}


@bp.route("/<int:creator_id>/accounts/new", methods=["GET", "POST"])
@allow(EDITORS)
def add_account(creator_id: int):
    creator = services.get_creator(get_session(), creator_id)
    form = AccountForm()
    back = url_for("creators.detail", creator_id=creator.id)
    return handle_form(
        form,
        lambda db: services.add_account(db, current_user, creator, _account_data(form)),
        render=_render_form(
            form,
            title=f"Add a channel for {creator.display_name}",
            action=url_for("creators.add_account", creator_id=creator_id),
            cancel=back,
            submit="Add channel",
            help=ACCOUNT_HELP,
        ),
        success=("Channel added.", back),
    )


@bp.route("/<int:creator_id>/accounts/<int:account_id>/edit", methods=["GET", "POST"])
@allow(EDITORS)
def edit_account(creator_id: int, account_id: int):
    db = get_session()
    creator = services.get_creator(db, creator_id)
    account = services.get_account(db, account_id)
    if account.creator_id != creator.id:
        raise NotFound("No such account.")
    form = AccountForm(obj=account if request.method == "GET" else None)
    back = url_for("creators.detail", creator_id=creator.id)
    return handle_form(
        form,
        lambda db: services.update_account(db, current_user, account, _account_data(form)),
        render=_render_form(
            form,
            title=f"Edit channel {account.handle}",
            action=url_for("creators.edit_account", creator_id=creator_id, account_id=account_id),
            cancel=back,
            submit="Save",
            help=ACCOUNT_HELP,
        ),
        success=("Channel saved.", back),
    )


@bp.post("/<int:creator_id>/accounts/<int:account_id>/delete")
@allow(EDITORS)
def delete_account(creator_id: int, account_id: int):
    account = services.get_account(get_session(), account_id)
    if account.creator_id != creator_id:
        raise NotFound("No such account.")
    back = url_for("creators.detail", creator_id=creator_id)
    return handle_action(
        lambda db: services.delete_account(db, current_user, account),
        success=("Channel removed.", back),
        back=back,
        refusals=(),
    )
