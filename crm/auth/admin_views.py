"""Admin: users and roles."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, url_for
from flask_login import current_user

from crm.auth import links, services
from crm.auth.forms import EmptyForm, InviteForm, RoleForm, UserCreateForm
from crm.auth.role_confirm import confirm_role_raise, confirmation_page, confirmed, raises
from crm.common.errors import Conflict, Invalid
from crm.common.labels import phrase
from crm.common.permissions import ADMINS, allow
from crm.db import get_session
from crm.web.forms import handle_action, handle_form
from crm.web.security import recent_login_required

bp = Blueprint("admin_users", __name__, url_prefix="/admin/users")


def _page(create_form=None, status=200, invite_form=None):
    users = services.list_users(get_session())
    return render_template(
        "admin/users.html",
        users=users,
        form=create_form or UserCreateForm(),
        invite_form=invite_form or InviteForm(),
        pending=links.pending_invitations(get_session()),
        role_form=RoleForm(),
        button_form=EmptyForm(),
    ), status


@bp.get("/")
@allow(ADMINS)
def index():
    return _page()


@bp.post("/")
@allow(ADMINS)
@recent_login_required
def create():
    form = UserCreateForm()
    return handle_form(
        form,
        lambda db: services.create_user(
            db,
            current_user,
            email=form.email.data,
            name=form.name.data,
            role=form.role.data,
            password=form.password.data,
        ),
        render=lambda status: _page(create_form=form, status=status),
        success=lambda user: (
            f"User {user.email} created as {phrase(user.role, 'role')}.",
            url_for("admin_users.index"),
        ),
    )


@bp.post("/<int:user_id>/role")
@allow(ADMINS)
@recent_login_required
@confirm_role_raise
def change_role(user_id: int):
    form = RoleForm()
    user = services.get_user(get_session(), user_id)
    if not form.validate_on_submit():
        raise Invalid({"role": form.role.errors or ["is required"]})
    back = url_for("admin_users.index")
    return handle_action(
        lambda db: services.change_role(db, current_user, user, form.role.data),
        success=lambda _: (f"{user.email} is now {phrase(user.role, 'role')}.", back),
        back=back,
        refusals=(Conflict,),
    )


@bp.post("/<int:user_id>/deactivate")
@allow(ADMINS)
@recent_login_required
def deactivate(user_id: int):
    return _set_active(user_id, False)


@bp.post("/<int:user_id>/activate")
@allow(ADMINS)
@recent_login_required
def activate(user_id: int):
    return _set_active(user_id, True)


def _set_active(user_id: int, active: bool):
    user = services.get_user(get_session(), user_id)
    back = url_for("admin_users.index")
    state = "reactivated" if active else "deactivated; their sessions and tokens have ended"
    return handle_action(
        lambda db: services.set_active(db, current_user, user, active),
        success=(f"{user.email} {state}.", back),
        back=back,
        refusals=(Conflict,),
    )


@bp.post("/invite")
@allow(ADMINS)
@recent_login_required
def invite():
    """A new user by invitation: they choose their own password from the emailed link."""
    form = InviteForm()
    if form.validate_on_submit() and raises(None, form.role.data) and not confirmed():
        return confirmation_page(
            email=form.email.data,
            old_role=None,
            new_role=form.role.data,
            fields={"email": form.email.data, "name": form.name.data or "", "role": form.role.data},
            back=url_for("admin_users.index"),
        )
    settings = links.settings_from(current_app.config)
    return handle_form(
        form,
        lambda db: links.invite_user(
            db,
            current_user,
            email=form.email.data,
            name=form.name.data,
            role=form.role.data,
            settings=settings,
        ),
        render=lambda status: _page(invite_form=form, status=status),
        success=lambda invitation: (
            f"Invitation emailed to {invitation.user.email} "
            f"({phrase(invitation.user.role, 'role')}); "
            f"the link works for {settings.invite_days} days.",
            url_for("admin_users.index"),
        ),
    )


@bp.post("/<int:user_id>/invite")
@allow(ADMINS)
@recent_login_required
def resend_invite(user_id: int):
    settings = links.settings_from(current_app.config)
    return handle_action(
        lambda db: links.resend_invitation(
            db, current_user, services.get_user(db, user_id), settings
        ),
        success=lambda invitation: (
            f"A new invitation was emailed to {invitation.user.email}; the old link stops working.",
            url_for("admin_users.index"),
        ),
        back=url_for("admin_users.index"),
        form=EmptyForm(),
    )
