"""Erasing a creator's personal data (admins only; see crm.creators.erasure): the
confirmation page and the erase itself."""

from __future__ import annotations

from flask import render_template, url_for
from flask_login import current_user

from crm.common.labels import plural
from crm.common.permissions import ADMINS, allow
from crm.common.timeutil import org_today
from crm.creators import erasure, services
from crm.creators.forms import EraseForm
from crm.creators.views.base import bp
from crm.db import get_session
from crm.web.forms import handle_form
from crm.web.security import recent_login_required


def _erase_page(creator, form, status=200):
    db = get_session()
    return render_template(
        "creators/erase.html",
        creator=creator,
        form=form,
        in_force=erasure.still_in_force(db, creator, org_today()),
        already=erasure.is_erased(db, creator.id),
    ), status


@bp.get("/<int:creator_id>/erase")
@allow(ADMINS)
def erase_confirm(creator_id: int):
    creator = services.get_creator(get_session(), creator_id)
    return _erase_page(creator, EraseForm())


@bp.post("/<int:creator_id>/erase")
@allow(ADMINS)
@recent_login_required
def erase(creator_id: int):
    db = get_session()
    creator = services.get_creator(db, creator_id)
    form = EraseForm()

    def render(status):
        # After a refusal the transaction was rolled back: read the creator again.
        shown = services.get_creator(db, creator_id) if status == 409 else creator
        return _erase_page(shown, form, status)

    return handle_form(
        form,
        lambda db: erasure.erase_creator(
            db,
            current_user,
            creator,
            today=org_today(),
            confirm_in_force=bool(form.confirm_in_force.data),
        ),
        render=render,
        success=lambda report: (
            f"Personal data erased: {plural(report.accounts, 'channel')}, "
            f"{plural(report.representatives, 'representative')}, "
            f"{plural(report.interactions, 'interaction')}; the audit trail records "
            "the erasure.",
            url_for("creators.detail", creator_id=creator_id),
        ),
    )
