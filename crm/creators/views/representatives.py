"""A creator's representatives: add, edit, remove."""

from __future__ import annotations

from flask import request, url_for
from flask_login import current_user

from crm.common.permissions import EDITORS, allow
from crm.creators import services
from crm.creators.forms import RepresentativeForm
from crm.creators.views.base import _render_form, bp
from crm.db import get_session
from crm.web.forms import handle_action, handle_form


def _rep_data(form: RepresentativeForm) -> dict:
    return {k: getattr(form, k).data for k in ("name", "agency", "email", "phone")}


@bp.route("/<int:creator_id>/representatives/new", methods=["GET", "POST"])
@allow(EDITORS)
def add_representative(creator_id: int):
    creator = services.get_creator(get_session(), creator_id)
    form = RepresentativeForm()
    back = url_for("creators.detail", creator_id=creator.id)
    return handle_form(
        form,
        lambda db: services.add_representative(db, current_user, creator, _rep_data(form)),
        render=_render_form(
            form,
            title=f"Add a representative for {creator.display_name}",
            action=url_for("creators.add_representative", creator_id=creator_id),
            cancel=back,
            submit="Add representative",
        ),
        success=("Representative added.", back),
    )


@bp.route("/<int:creator_id>/representatives/<int:rep_id>/edit", methods=["GET", "POST"])
@allow(EDITORS)
def edit_representative(creator_id: int, rep_id: int):
    db = get_session()
    creator = services.get_creator(db, creator_id)
    rep = services.get_representative(db, creator, rep_id)
    form = RepresentativeForm(obj=rep if request.method == "GET" else None)
    back = url_for("creators.detail", creator_id=creator.id)
    return handle_form(
        form,
        lambda db: services.update_representative(db, current_user, rep, _rep_data(form)),
        render=_render_form(
            form,
            title=f"Edit representative {rep.name}",
            action=url_for("creators.edit_representative", creator_id=creator_id, rep_id=rep_id),
            cancel=back,
            submit="Save",
        ),
        success=("Representative saved.", back),
    )


@bp.post("/<int:creator_id>/representatives/<int:rep_id>/delete")
@allow(EDITORS)
def delete_representative(creator_id: int, rep_id: int):
    db = get_session()
    rep = services.get_representative(db, services.get_creator(db, creator_id), rep_id)
    back = url_for("creators.detail", creator_id=creator_id)
    return handle_action(
        lambda db: services.delete_representative(db, current_user, rep),
        success=("Representative removed.", back),
        back=back,
        refusals=(),
    )
