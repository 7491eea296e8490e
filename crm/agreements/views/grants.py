"""Agreements pages: NDA-gated grants, revoking and resuming them."""

from __future__ import annotations

from flask import (
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select

from crm.agreements import queries, services
from crm.agreements.forms import (
    GrantForm,
    RevokeForm,
    StatusForm,
)
from crm.agreements.models import Nda
from crm.agreements.views.base import _creator, _product_choices, bp, today
from crm.common.permissions import (
    ALL_ROLES,
    EDITORS,
    allow,
)
from crm.db import get_session
from crm.web.forms import choices, handle_action, handle_form
from crm.web.security import recent_login_required


def _grant_form(creator_id: int) -> GrantForm:
    form = GrantForm()
    form.product_id.choices = _product_choices()
    ndas = get_session().scalars(
        select(Nda).where(Nda.creator_id == creator_id, Nda.status == "signed").order_by(Nda.id)
    )
    form.nda_id.choices = choices(
        [(0, "Choose automatically")]
        + [(n.id, f"NDA #{n.id} ({n.effective_on} – {n.expires_on or 'open-ended'})") for n in ndas]
    )
    return form


@bp.route("/grants/new", methods=["GET", "POST"])
@allow(EDITORS)
@recent_login_required
def grant_new():
    creator = _creator(request.values.get("creator_id"))
    form = _grant_form(creator.id)

    def render(status):
        # A refusal by the NDA rule is shown in its own box above the form.
        refusal = " ".join(form.form_errors) if status == 409 else None
        if refusal:
            form.form_errors = []
        form.creator_id.data = creator.id
        page = render_template(
            "agreements/grant_form.html", form=form, creator=creator, refusal=refusal
        )
        return page, status

    return handle_form(
        form,
        lambda db: services.create_grant(
            db,
            current_user,
            creator_id=creator.id,
            product_id=form.product_id.data,
            nda_id=form.nda_id.data or None,
            starts_on=form.starts_on.data,
            ends_on=form.ends_on.data,
            tier=form.tier.data,
            monthly_value=form.monthly_value.data or None,
            currency=form.currency.data or None,
        ),
        render=render,
        success=lambda grant: (
            f"Grant #{grant.id} created.",
            url_for("agreements.grant_detail", grant_id=grant.id),
        ),
        once=True,
    )


@bp.get("/grants/<int:grant_id>")
@allow(ALL_ROLES)
def grant_detail(grant_id: int, revoke_form=None, status=200):
    db = get_session()
    grant = services.get_grant(db, grant_id)
    return render_template(
        "agreements/grant_detail.html",
        grant=grant,
        creator=queries.creator_of(db, grant.creator_id),
        revoke_form=revoke_form or RevokeForm(formdata=None),
        in_kind=queries.in_kind_value(grant, today()),
        active_days=queries.active_days(grant, today()),
    ), status


@bp.post("/grants/<int:grant_id>/revoke")
@allow(EDITORS)
def grant_revoke(grant_id: int):
    grant = services.get_grant(get_session(), grant_id)
    form = RevokeForm()
    return handle_form(
        form,
        lambda db: services.revoke_grant(db, current_user, grant, form.reason.data, today()),
        render=lambda status: grant_detail(grant_id, revoke_form=form, status=status),
        success=(
            f"Grant #{grant_id} revoked.",
            url_for("agreements.grant_detail", grant_id=grant_id),
        ),
    )


@bp.post("/grants/<int:grant_id>/resume")
@allow(EDITORS)
@recent_login_required
def grant_resume(grant_id: int):
    grant = services.get_grant(get_session(), grant_id)
    StatusForm()
    back = url_for("agreements.grant_detail", grant_id=grant_id)
    return handle_action(
        lambda db: services.update_grant(db, current_user, grant, today(), status="active"),
        success=(f"Grant #{grant.id} is active again.", back),
        back=back,
    )
