"""Login, logout, re-authentication, the profile page and API tokens."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask import session as cookie
from flask_login import current_user, login_user, logout_user

from crm.auth import devices, services
from crm.auth.forms import EmptyForm, LoginForm, PasswordForm, ProfileForm, ReauthForm, TokenForm
from crm.auth.models import ApiToken
from crm.common.errors import Invalid, NotFound, TooManyRequests
from crm.common.permissions import ANY_USER, public
from crm.db import get_session
from crm.web.forms import Stay, apply_errors, handle_action, handle_form
from crm.web.security import recent_login_required, safe_next

bp = Blueprint("auth", __name__)


def _throttle_settings() -> services.ThrottleSettings:
    cfg = current_app.config
    return services.ThrottleSettings(
        per_account=cfg["LOGIN_MAX_FAILURES_PER_ACCOUNT"],
        per_address=cfg["LOGIN_MAX_FAILURES_PER_ADDRESS"],
        window_minutes=cfg["LOGIN_FAILURE_WINDOW_MINUTES"],
    )


def _any_user(view):
    view.crm_access = ANY_USER
    return view


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    form = LoginForm()
    target = safe_next(request.args.get("next"), url_for("home.index"))
    if current_user.is_authenticated:
        return redirect(target)
    status = 200
    if form.validate_on_submit():
        db = get_session()
        try:
            user = services.authenticate(
                db,
                form.email.data,
                form.password.data,
                request.remote_addr or "",
                _throttle_settings(),
                devices.known_user_id(request, db),
            )
        except services.LoginFailed as exc:
            db.commit()
            form.password.errors = [exc.message]
            status = 401
        except TooManyRequests as exc:
            db.rollback()
            page = render_template("auth/login.html", form=form, error=exc.detail)
            return page, 429, {"Retry-After": str(exc.retry_after)}
        else:
            cookie.clear()  # no fixation: nothing planted before login survives it
            cookie["sid"] = services.start_session(
                db, user, request.remote_addr, request.headers.get("User-Agent")
            )
            db.commit()
            login_user(user)
            cookie.permanent = False
            return devices.remember(redirect(target), user)
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form, error=None), status


@bp.post("/logout")
@_any_user
def logout():
    db = get_session()
    services.log_out(db, current_user, cookie.get("sid"))
    db.commit()
    logout_user()
    cookie.clear()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/reauth", methods=["GET", "POST"])
@_any_user
def reauth():
    form = ReauthForm()
    target = safe_next(request.args.get("next"), url_for("home.index"))
    if form.validate_on_submit():
        db = get_session()
        try:
            services.reauthenticate(db, current_user, g.user_session, form.password.data)
        except Invalid as exc:
            db.commit()
            apply_errors(form, exc)
        else:
            db.commit()
            return redirect(target)
    return render_template("auth/reauth.html", form=form)


@bp.route("/profile", methods=["GET", "POST"])
@_any_user
def profile():
    form = ProfileForm(obj=current_user)
    return handle_form(
        form,
        lambda db: services.update_profile(
            db,
            current_user,
            name=form.name.data,
            timezone=form.timezone.data,
            digest_opt_in=form.digest_opt_in.data,
        ),
        render=lambda status: _profile_page(profile_form=form, status=status),
        success=("Profile saved.", url_for("auth.profile")),
    )


def _profile_page(
    profile_form=None, password_form=None, token_form=None, new_token=None, status=200
):
    tokens = services.user_tokens(get_session(), current_user)
    return render_template(
        "auth/profile.html",
        form=profile_form or ProfileForm(obj=current_user),
        password_form=password_form or PasswordForm(),
        token_form=token_form or TokenForm(),
        tokens=tokens,
        new_token=new_token,
        button_form=EmptyForm(),
    ), status


@bp.post("/profile/password")
@_any_user
def change_password():
    form = PasswordForm()
    return handle_form(
        form,
        lambda db: services.change_password(
            db,
            current_user,
            current=form.current_password.data,
            new=form.new_password.data,
            keep_session_key=cookie.get("sid"),
        ),
        render=lambda status: _profile_page(password_form=form, status=status),
        success=(
            "Password changed. Your other sessions and API tokens were ended.",
            url_for("auth.profile"),
        ),
    )


@bp.post("/profile/tokens")
@_any_user
@recent_login_required
def create_token():
    form = TokenForm()
    made = {}  # the raw token, shown on this page once and never again

    def success(created):
        made["raw"] = created[1]
        return Stay(200, commit=True)

    return handle_form(
        form,
        lambda db: services.create_token(db, current_user, current_user, form.name.data),
        render=lambda status: (
            _profile_page(new_token=made["raw"])
            if "raw" in made
            else _profile_page(token_form=form, status=status)
        ),
        success=success,
    )


@bp.post("/profile/tokens/<int:token_id>/revoke")
@_any_user
@recent_login_required
def revoke_token(token_id: int):
    token = get_session().get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        raise NotFound("No such token.")
    back = url_for("auth.profile")
    return handle_action(
        lambda db: services.revoke_token(db, current_user, token),
        success=(f"Token “{token.name}” revoked.", back, "info"),
        back=back,
        refusals=(),
    )
