"""Staff pages about the portal: inviting a creator, the read-only preview of the portal as
the creator sees it, and the signed copy of an NDA signed in the portal."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, g, render_template, url_for
from flask_login import current_user

from crm.agreements.services import get_nda
from crm.common.errors import NotFound
from crm.common.permissions import EDITORS, EDITORS_AND_LEGAL, allow
from crm.creators.models import Creator
from crm.db import get_session
from crm.portal import pages
from crm.portal.forms import USE_LABELS, EmptyForm, InviteForm
from crm.portal.models import PortalMembership
from crm.portal.services import accounts
from crm.portal.views import signed_copy_response
from crm.web.forms import handle_action, handle_form

bp = Blueprint("portal_staff", __name__)


def _creator(creator_id: int) -> Creator:
    creator = get_session().get(Creator, creator_id)
    if creator is None:
        raise NotFound("No such creator.")
    return creator


@bp.route("/creators/<int:creator_id>/portal/invite", methods=["GET", "POST"])
@allow(EDITORS)
def invite(creator_id: int):
    creator = _creator(creator_id)
    form = InviteForm()
    if not form.is_submitted() and creator.email:
        form.email.data = creator.email
    return handle_form(
        form,
        lambda db: accounts.invite(
            db,
            current_user,
            creator_id=creator.id,
            email=form.email.data,
            relation=form.relation.data,
            settings=accounts.settings_from(current_app.config),
        ),
        render=lambda status: (
            render_template("portal/staff_invite.html", form=form, creator=creator),
            status,
        ),
        success=lambda inv: (
            f"Invitation to the portal emailed to {inv.account.email}.",
            url_for("creators.detail", creator_id=creator.id),
        ),
    )


@bp.post("/creators/<int:creator_id>/portal/access/<int:membership_id>/remove")
@allow(EDITORS)
def remove_access(creator_id: int, membership_id: int):
    member = get_session().get(PortalMembership, membership_id)
    if member is None or member.creator_id != creator_id:
        raise NotFound("No such portal access.")
    back = url_for("creators.detail", creator_id=creator_id)
    return handle_action(
        lambda db: accounts.close_access(db, current_user, member),
        success=(f"{member.account.email} can no longer act for this creator.", back, "info"),
        back=back,
        form=EmptyForm(),
    )


@bp.get("/creators/<int:creator_id>/portal/preview/", defaults={"page": "home", "obj_id": None})
@bp.get("/creators/<int:creator_id>/portal/preview/<page>", defaults={"obj_id": None})
@bp.get("/creators/<int:creator_id>/portal/preview/<page>/<int:obj_id>")
@allow(EDITORS_AND_LEGAL)
def preview(creator_id: int, page: str, obj_id: int | None):
    """The portal as this creator sees it, read-only, without logging in as them."""
    creator = _creator(creator_id)
    spec = pages.PREVIEW_PAGES.get(page)
    if spec is None:
        abort(404)
    build, template, takes_id = spec
    if takes_id != (obj_id is not None):
        abort(404)
    db = get_session()
    context = build(db, creator, obj_id) if takes_id else build(db, creator)
    g.portal_preview = creator.id
    return render_template(
        template,
        preview=True,
        use_labels=USE_LABELS,
        **context,
    )


@bp.get("/agreements/ndas/<int:nda_id>/signed-copy")
@allow(EDITORS_AND_LEGAL)
def nda_copy(nda_id: int):
    db = get_session()
    nda = get_nda(db, nda_id)
    creator = db.get(Creator, nda.creator_id)
    return signed_copy_response(db, nda, creator.display_name if creator else "")
