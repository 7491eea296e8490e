"""The portal's feedback: listing and sending it.
Attached to the portal blueprint (views_base.bp); views.py imports this module after its
own routes to keep the route order."""

from __future__ import annotations

from flask import (
    url_for,
)

from crm.common.permissions import portal_only
from crm.common.timeutil import org_today
from crm.db import get_session
from crm.portal import pages
from crm.portal.forms import (
    FeedbackForm,
)
from crm.portal.services import content
from crm.portal.views_base import _me, _render, bp
from crm.web.forms import choices, handle_form

# --------------------------------------------------------------------------- feedback


@bp.get("/feedback/")
@portal_only
def feedback():
    return _render("portal/feedback.html", **pages.feedback_list(get_session(), _me().creator))


@bp.route("/feedback/new", methods=["GET", "POST"])
@portal_only
def new_feedback():
    me = _me()
    db = get_session()
    today = org_today()
    products = content.reportable_products(db, me.creator_id, today)
    form = FeedbackForm()
    form.product_id.choices = choices([(p.id, p.name) for p in products])
    return handle_form(
        form,
        lambda db: content.report_feedback(
            db,
            me.actor,
            product_id=form.product_id.data,
            category=form.category.data,
            severity=form.severity.data,
            title=form.title.data,
            body=form.body.data or "",
            reproduction=form.reproduction.data or "",
            today=today,
            products=products,
        ),
        render=lambda status: _render(
            "portal/feedback_new.html", status, form=form, creator=me.creator
        ),
        success=("Thank you — your report reached the team.", url_for("portal.feedback")),
    )
