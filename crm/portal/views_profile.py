"""The portal's profile page and password change.
Attached to the portal blueprint (views_base.bp); views.py imports this module after its
own routes to keep the route order."""

from __future__ import annotations

from flask import session as cookie
from flask import (
    url_for,
)

from crm.common.permissions import portal_only
from crm.portal import loading
from crm.portal.forms import (
    EmptyForm,
    PasswordForm,
    ProfileForm,
)
from crm.portal.services import accounts
from crm.portal.views_base import _me, _render, bp
from crm.web.forms import handle_form

# --------------------------------------------------------------------------- profile


def _profile_page(status: int = 200, form=None, password_form=None):
    me = _me()
    return _render(
        "portal/profile.html",
        status,
        form=form or ProfileForm(obj=me.account, formdata=None),
        password_form=password_form or PasswordForm(formdata=None),
        button=EmptyForm(),
        account=me.account,
        creator=me.creator,
    )


@bp.route("/profile", methods=["GET", "POST"])
@portal_only
def profile():
    me = _me()
    form = ProfileForm(obj=me.account)
    return handle_form(
        form,
        lambda db: accounts.update_profile(
            db,
            me.actor,
            me.account,
            name=form.name.data,
            phone=form.phone.data or "",
            notify_decisions=form.notify_decisions.data,
        ),
        render=lambda status: _profile_page(status, form=form),
        success=("Profile saved.", url_for("portal.profile")),
    )


@bp.post("/profile/password")
@portal_only
def change_password():
    me = _me()
    form = PasswordForm()
    return handle_form(
        form,
        lambda db: accounts.change_password(
            db,
            me.actor,
            me.account,
            current=form.current_password.data,
            new=form.new_password.data,
            keep_session_key=cookie.get(loading.COOKIE_KEY),
        ),
        render=lambda status: _profile_page(status, password_form=form),
        success=(
            "Password changed. Your other sessions were ended.",
            url_for("portal.profile"),
        ),
    )
