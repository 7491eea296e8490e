"""Digest preview: this week's email as the user will get it."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask_login import current_user

from crm.common.permissions import ALL_ROLES, allow
from crm.db import get_session
from crm.digest import services
from crm.digest.preview import email_body_for_page

bp = Blueprint("digest", __name__, url_prefix="/digest")

# The email's HTML uses inline styles (mail clients need them), which the app's CSP
# forbids; the styled original is served on its own, sandboxed, and framed by nobody (the
# preview page shows its body inline, crm/digest/preview.py).
EMAIL_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'; sandbox allow-popups "
    "allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation"
)


def _this_week():
    db = get_session()
    week = services.current_week(current_app)
    email = services.compose(current_app, db, current_user, week)
    return db, week, email


@bp.get("/preview")
@allow(ALL_ROLES)
def preview():
    db, week, email = _this_week()
    delivery = services.delivery_for(db, current_user, week)
    start, end = services.week_bounds(week)
    return render_template(
        "digest/preview.html",
        week=week,
        week_start=start,
        week_end=end,
        email=email,
        email_body=email_body_for_page(email.html) if email else None,
        delivery=delivery,
    )


@bp.get("/preview/email")
@allow(ALL_ROLES)
def preview_email():
    _db, _week, email = _this_week()
    if email is None:
        body = "<!doctype html><title>Digest</title><p>Nothing to report this week.</p>"
    else:
        body = email.html
    return (
        body,
        200,
        {
            "Content-Type": "text/html; charset=utf-8",
            "Content-Security-Policy": EMAIL_CSP,
            "X-Frame-Options": "DENY",
        },
    )
