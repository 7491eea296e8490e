"""The creators list: filters, its CSV export and saved views."""

from __future__ import annotations

from flask import Response, jsonify, render_template, request, url_for
from flask_login import current_user

from crm.common.pagination import parse_limit
from crm.common.permissions import ALL_ROLES, allow
from crm.common.timeutil import user_today
from crm.creators import csvio, custom_fields, listing, services
from crm.creators.forms import SaveViewForm
from crm.creators.models import CREATOR_STATUSES, PLATFORMS
from crm.creators.picker import BadQuery, suggest_creators
from crm.creators.views.base import bp
from crm.db import get_session
from crm.web.errors import problem
from crm.web.forms import handle_action, handle_form


@bp.get("/")
@allow(ALL_ROLES)
def index():
    return _list_page(request.args)


def _list_page(args, view_form: SaveViewForm | None = None, status: int = 200, bulk=None):
    """The list filtered by `args`; a refused "save view" form, or a refused bulk action
    (`bulk`: what was posted and the reason), is shown again as typed."""
    db = get_session()
    filters = listing.parse_filters(args, current_user, default_mine=True)
    page = listing.list_creator_rows(
        db,
        current_user,
        filters,
        args.get("cursor"),
        parse_limit(args.get("limit")),
    )
    return render_template(
        "creators/index.html",
        page=page,
        total=listing.count_creators(db, current_user, filters),
        filters=filters,
        args=filters.as_args(),
        owners=services.owner_choices(db),
        views=services.saved_views(db, current_user),
        sorts=listing.SORTS,
        statuses=CREATOR_STATUSES,
        platforms=PLATFORMS,
        view_form=view_form or SaveViewForm(formdata=None),
        bulk=bulk,
        custom=custom_fields.list_fields(db, "creator"),
    ), status


@bp.get("/suggest")
@allow(ALL_ROLES)
def suggest():
    """Creators a name being typed may mean, for the boxes marked `data-creator-suggest`
    (static/js/app.js). Only a help: the form still picks on submit (crm.creators.picker)."""
    try:
        found = suggest_creators(get_session(), request.args.get("q"))
    except BadQuery as exc:
        return problem(422, "Invalid query", f"q {exc}.", errors={"q": [str(exc)]})
    return jsonify({"creators": [s.as_json() for s in found]})


@bp.get("/export.csv")
@allow(ALL_ROLES)
def export():
    db = get_session()
    filters = listing.parse_filters(request.args, current_user, default_mine=False)
    body = "".join(csvio.export_lines(db, current_user, filters))
    name = f"creators-{user_today(current_user).isoformat()}.csv"
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.post("/views")
@allow(ALL_ROLES)
def save_view():
    form = SaveViewForm()
    filters = listing.parse_filters(request.form, current_user)
    back = url_for("creators.index", **filters.as_args())
    return handle_form(
        form,
        lambda db: services.save_view(db, current_user, form.name.data, filters.as_args()),
        render=lambda status: _list_page(request.form, view_form=form, status=status),
        success=lambda _: (f"Saved the view “{form.name.data.strip()}”.", back),
    )


@bp.post("/views/<int:view_id>/delete")
@allow(ALL_ROLES)
def delete_view(view_id: int):
    back = url_for("creators.index")
    return handle_action(
        lambda db: services.delete_view(db, current_user, view_id),
        success=("Saved view deleted.", back),
        back=back,
        refusals=(),
    )
