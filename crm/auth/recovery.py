"""Public pages for account recovery and invitations: forgot password, and the two kinds of
single-use link (crm.auth.links) where a user sets their password.

The token is part of the link's path, so log lines that name the path (the development
server's, gunicorn's access log, crm.errors) pass through `RedactLinkTokens` first.
"""

from __future__ import annotations

import logging
import re

from flask import Blueprint, current_app, render_template, request, url_for
from flask import session as cookie
from flask_login import current_user, logout_user

from crm.auth import links, services
from crm.auth.forms import ForgotPasswordForm, SetPasswordForm
from crm.common.errors import TooManyRequests
from crm.common.permissions import public
from crm.db import get_session
from crm.web.forms import handle_form

bp = Blueprint("recovery", __name__)

#: The one answer to a reset request, whether or not the address has an account.
SENT_MESSAGE = (
    "If an active account uses that address, we have emailed it a link to choose a new "
    "password. The link works once, for a limited time."
)
DONE_MESSAGES = {
    links.INVITE: "Your password is set and your account is ready. Log in with it now.",
    links.RESET: "Your password is changed and every session of your account was logged out. "
    "Log in with the new password.",
}


# --- log redaction -----------------------------------------------------------------------


def _token_pattern(paths) -> re.Pattern[str]:
    return re.compile("(" + "|".join(re.escape(path) for path in paths) + r")[^\s?#\"']+")


_LINK_PATHS: list[str] = list(links.PATHS.values())
_TOKEN_IN_PATH = _token_pattern(_LINK_PATHS)
REDACTED_LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error", "crm.errors")


def add_link_paths(paths) -> None:
    """Paths of another principal's single-use links (the creator portal's), whose tokens
    are redacted from the same log lines."""
    global _TOKEN_IN_PATH
    for path in paths:
        if path not in _LINK_PATHS:
            _LINK_PATHS.append(path)
    _TOKEN_IN_PATH = _token_pattern(_LINK_PATHS)


def redact(value):
    if isinstance(value, str):
        return _TOKEN_IN_PATH.sub(r"\1[redacted]", value)
    return value


class RedactLinkTokens(logging.Filter):
    """Replace the token of an account link in a log record's message and arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.msg)
        if isinstance(record.args, dict):
            record.args = {key: redact(value) for key, value in record.args.items()}
        elif isinstance(record.args, tuple):
            record.args = tuple(redact(value) for value in record.args)
        return True


def install_log_redaction() -> None:
    for name in REDACTED_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactLinkTokens) for f in logger.filters):
            logger.addFilter(RedactLinkTokens())


bp.record_once(lambda _state: install_log_redaction())


# --- pages -------------------------------------------------------------------------------


def _settings() -> links.LinkSettings:
    return links.settings_from(current_app.config)


@bp.route("/forgot-password", methods=["GET", "POST"])
@public
def forgot_password():
    form = ForgotPasswordForm()

    def render(status: int):
        return render_template("auth/forgot_password.html", form=form, error=None), status

    try:
        return handle_form(
            form,
            lambda db: links.request_password_reset(
                db, form.email.data, request.remote_addr, _settings()
            ),
            render=render,
            success=(SENT_MESSAGE, url_for("auth.login")),
        )
    except TooManyRequests as exc:
        page = render_template("auth/forgot_password.html", form=form, error=exc.detail)
        return page, 429, {"Retry-After": str(exc.retry_after)}


@bp.route(links.PATHS[links.RESET] + "<token>", methods=["GET", "POST"])
@public
def reset(token: str):
    return _set_password_page(links.RESET, token)


@bp.route(links.PATHS[links.INVITE] + "<token>", methods=["GET", "POST"])
@public
def invite(token: str):
    return _set_password_page(links.INVITE, token)


def _unusable(exc: links.LinkUnusable):
    page = render_template("auth/link_unusable.html", reason=exc.reason, purpose=exc.purpose)
    return page, exc.status


def _set_password_page(purpose: str, token: str):
    try:
        link = links.check_link(get_session(), purpose, token)
    except links.LinkUnusable as exc:
        return _unusable(exc)
    account = link.user
    form = SetPasswordForm()

    def call(db):
        user = links.redeem_link(db, purpose, token, form.password.data)
        if current_user.is_authenticated:  # this browser starts from the login page
            services.end_session(db, cookie.get("sid"))
        return user

    def done(_user):
        if current_user.is_authenticated:
            logout_user()
        cookie.clear()
        return DONE_MESSAGES[purpose], url_for("auth.login")

    def render(status: int):
        page = render_template(
            "auth/set_password.html",
            form=form,
            purpose=purpose,
            account=account,
            expires_at=link.expires_at,
        )
        return page, status

    try:
        return handle_form(form, call, render=render, success=done)
    except links.LinkUnusable as exc:  # used or expired while the form was open
        return _unusable(exc)
