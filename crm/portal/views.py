"""The creator portal under /portal/: its own login, its own navigation, and only the
logged-in creator's records (any other id answers 404, as if it did not exist).

This module holds logging in and out; the other pages live in views_home, views_submissions,
views_feedback, views_works and views_profile, on the same blueprint, re-exported here."""

from __future__ import annotations

from flask import (
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import session as cookie

from crm.common.errors import Invalid, TooManyRequests
from crm.common.permissions import portal_only, public
from crm.db import get_session
from crm.portal import loading
from crm.portal.forms import (
    AcceptForm,
    EmptyForm,
    LinkRequestForm,
    LoginForm,
)
from crm.portal.services import accounts
from crm.portal.views_base import _me, bp
from crm.web.forms import apply_errors, handle_action, handle_form
from crm.web.security import safe_next


def _begin(account, creator_id: int):
    """Start a portal session (nothing planted before login survives it)."""
    db = get_session()
    cookie.clear()
    cookie[loading.COOKIE_KEY] = accounts.start_session(
        db, account, creator_id, request.remote_addr, request.headers.get("User-Agent")
    )
    db.commit()
    cookie.permanent = False


# --------------------------------------------------------------------------- logging in


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    form = LoginForm()
    target = safe_next(request.args.get("next"), url_for("portal.home"))
    if not target.startswith("/portal/"):
        target = url_for("portal.home")
    status = 200
    if form.validate_on_submit():
        db = get_session()
        try:
            account = accounts.authenticate(
                db,
                form.email.data,
                form.password.data,
                request.remote_addr or "",
                loading.settings(),
            )
        except accounts.LoginFailed as exc:
            db.commit()
            form.password.errors = [exc.message]
            status = 401
        except TooManyRequests as exc:
            db.rollback()
            page = render_template("portal/login.html", form=form, error=exc.detail)
            return page, 429, {"Retry-After": str(exc.retry_after)}
        else:
            _begin(account, accounts.first_creator_id(account))
            return redirect(target)
    elif request.method == "POST":
        status = 400
    return render_template("portal/login.html", form=form, error=None), status


@bp.route("/login-link", methods=["GET", "POST"])
@public
def login_link():
    form = LinkRequestForm()
    if form.validate_on_submit():
        db = get_session()
        try:
            accounts.request_login_link(
                db, form.email.data, request.remote_addr, loading.settings()
            )
        except Invalid as exc:
            db.rollback()
            apply_errors(form, exc)
            return render_template("portal/login_link.html", form=form, sent=False), 422
        except TooManyRequests as exc:
            db.rollback()
            form.form_errors = [exc.detail]
            page = render_template("portal/login_link.html", form=form, sent=False)
            return page, 429, {"Retry-After": str(exc.retry_after)}
        db.commit()
        return render_template("portal/login_link.html", form=form, sent=True)
    status = 400 if request.method == "POST" else 200
    return render_template("portal/login_link.html", form=form, sent=False), status


#: The one answer to a reset request, whether or not the address has a portal account.
RESET_SENT = (
    "If this address has a portal account, we have emailed it a link to choose a new "
    "password. The link works once, for a limited time."
)


@bp.route("/forgot-password", methods=["GET", "POST"])
@public
def forgot_password():
    form = LinkRequestForm()

    def render(status: int):
        return render_template("portal/forgot_password.html", form=form), status

    try:
        return handle_form(
            form,
            lambda db: accounts.request_password_reset(
                db, form.email.data, request.remote_addr, loading.settings()
            ),
            render=render,
            success=(RESET_SENT, url_for("portal.login"), "info"),
        )
    except TooManyRequests as exc:
        form.form_errors = [exc.detail]
        page = render_template("portal/forgot_password.html", form=form)
        return page, 429, {"Retry-After": str(exc.retry_after)}


def _redeem_page(purpose: str, token: str, template: str):
    db = get_session()
    form = AcceptForm() if purpose in (accounts.INVITE, accounts.RESET) else EmptyForm()
    try:
        link = accounts.check_link(db, purpose, token)
    except accounts.LinkUnusable as exc:
        return render_template("portal/link_unusable.html", message=exc.detail), exc.status
    needs_password = purpose == accounts.RESET or (
        purpose == accounts.INVITE and link.account.password_hash is None
    )
    if form.validate_on_submit():
        try:
            account, creator_id = accounts.redeem(
                db, purpose, token, getattr(form, "password", None) and form.password.data
            )
        except Invalid as exc:
            db.rollback()
            apply_errors(form, exc)
            return render_template(
                template, form=form, account=link.account, needs_password=needs_password
            ), 422
        except accounts.LinkUnusable as exc:
            db.rollback()
            return render_template("portal/link_unusable.html", message=exc.detail), exc.status
        db.commit()
        _begin(account, creator_id)
        flash(
            "Your password is changed and every other device was logged out."
            if purpose == accounts.RESET
            else "Welcome to your creator portal.",
            "success",
        )
        return redirect(url_for("portal.home"))
    status = 422 if request.method == "POST" else 200
    return render_template(
        template, form=form, account=link.account, needs_password=needs_password
    ), status


@bp.route("/invite/<token>", methods=["GET", "POST"])
@public
def accept(token: str):
    return _redeem_page(accounts.INVITE, token, "portal/accept.html")


@bp.route("/link/<token>", methods=["GET", "POST"])
@public
def link(token: str):
    return _redeem_page(accounts.LOGIN, token, "portal/link.html")


@bp.route("/reset/<token>", methods=["GET", "POST"])
@public
def reset(token: str):
    return _redeem_page(accounts.RESET, token, "portal/reset.html")


@bp.post("/logout")
@portal_only
def logout():
    everywhere = request.form.get("everywhere") == "1"
    db = get_session()
    accounts.log_out(db, _me().actor, cookie.get(loading.COOKIE_KEY), everywhere)
    db.commit()
    cookie.clear()
    flash("You are logged out on every device." if everywhere else "You are logged out.", "info")
    return redirect(url_for("portal.login"))


@bp.post("/switch/<int:creator_id>")
@portal_only
def switch(creator_id: int):
    me = _me()
    return handle_action(
        lambda db: accounts.switch_creator(db, me.row, creator_id),
        success=(None, url_for("portal.home")),
        back=url_for("portal.home"),
        form=EmptyForm(),
    )


# The other portal pages attach to `bp` in their own modules, imported after the routes above
# and in this order so the blueprint's route order stays the same.
# isort: split
from crm.portal.views_home import (  # noqa: E402
    access,
    home,
    nda,
    nda_copy,
    ndas_index,
    signed_copy_response,
)

# isort: split
from crm.portal.views_submissions import (  # noqa: E402
    new_submission,
    revise,
    submission,
    submissions,
    submit,
)

# isort: split
from crm.portal.views_feedback import (  # noqa: E402
    feedback,
    new_feedback,
)

# isort: split
from crm.portal.views_works import (  # noqa: E402
    add_work,
    import_works_confirm,
    import_works_form,
    import_works_preview,
    paste_works,
    revoke_consent,
    set_consent,
    works,
)

# isort: split
from crm.portal.views_rights import (  # noqa: E402
    add_release,
    bulk_rights,
    release_document,
    releases,
    set_work_rights,
    withdraw_release,
    work,
)

# isort: split
from crm.portal.views_profile import (  # noqa: E402
    change_password,
    profile,
)

__all__ = [
    "accept",
    "access",
    "add_release",
    "add_work",
    "bp",
    "bulk_rights",
    "change_password",
    "feedback",
    "forgot_password",
    "home",
    "import_works_confirm",
    "import_works_form",
    "import_works_preview",
    "link",
    "login",
    "login_link",
    "logout",
    "nda",
    "nda_copy",
    "ndas_index",
    "new_feedback",
    "new_submission",
    "paste_works",
    "profile",
    "release_document",
    "releases",
    "reset",
    "revise",
    "revoke_consent",
    "set_consent",
    "set_work_rights",
    "signed_copy_response",
    "submission",
    "submissions",
    "submit",
    "switch",
    "withdraw_release",
    "work",
    "works",
]
