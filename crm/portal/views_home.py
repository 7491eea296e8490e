"""The portal's home, its NDA pages (reading, signing, the signed copy) and the access
page.
Attached to the portal blueprint (views_base.bp); views.py imports this module after its
own routes to keep the route order."""

from __future__ import annotations

from flask import (
    Response,
    request,
    url_for,
)

from crm.common.permissions import portal_only
from crm.common.timeutil import org_today
from crm.db import get_session
from crm.portal import pages
from crm.portal.forms import (
    SignForm,
)
from crm.portal.services import ndas
from crm.portal.views_base import _me, _render, bp
from crm.web.forms import handle_form

# --------------------------------------------------------------------------- pages


@bp.get("/")
@portal_only
def home():
    return _render("portal/home.html", **pages.home(get_session(), _me().creator))


@bp.get("/ndas/")
@portal_only
def ndas_index():
    return _render("portal/ndas.html", **pages.nda_list(get_session(), _me().creator))


@bp.route("/ndas/<int:nda_id>", methods=["GET", "POST"])
@portal_only
def nda(nda_id: int):
    me = _me()
    db = get_session()
    context = pages.nda_detail(db, me.creator, nda_id)
    form = SignForm()
    if request.method == "GET":
        form.version.data = context["version"]
    evidence = ndas.Evidence(
        typed_name=form.typed_name.data or "",
        version_seen=form.version.data or "",
        agreed=bool(form.agree.data),
        ip=request.remote_addr or "",
        user_agent=request.headers.get("User-Agent", ""),
    )

    def render(status: int):
        fresh = pages.nda_detail(get_session(), me.creator, nda_id)
        if status == 409:
            form.version.data = fresh["version"]
        return _render("portal/nda.html", status, form=form, **fresh)

    return handle_form(
        form,
        lambda db: ndas.sign(db, me.actor, context["nda"], evidence, org_today()),
        render=render,
        success=(
            "Signed. Thank you — your signed copy is below.",
            url_for("portal.nda", nda_id=nda_id),
        ),
    )


@bp.get("/ndas/<int:nda_id>/signed-copy")
@portal_only
def nda_copy(nda_id: int):
    me = _me()
    db = get_session()
    nda = ndas.own_nda(db, me.creator_id, nda_id)
    return signed_copy_response(db, nda, me.creator.display_name)


def signed_copy_response(db, nda, creator_name: str) -> Response:
    from crm.common.errors import NotFound

    signature = ndas.latest_signature(db, nda.id)
    if signature is None:
        raise NotFound("This NDA has no signature recorded in the portal.")
    text = ndas.signed_copy(nda, signature, creator_name)
    return Response(
        text,
        mimetype="text/plain",
        headers={"Content-Disposition": f'attachment; filename="nda-{nda.id}-signed-copy.txt"'},
    )


@bp.get("/access/")
@portal_only
def access():
    return _render("portal/access.html", **pages.access(get_session(), _me().creator))
