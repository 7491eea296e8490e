"""The admins' webhooks pages: the subscriptions, a secret rotation (the new secret shown
once, on the page that follows the rotation), and each subscription's attempt log."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, render_template, request
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange

from crm.common.pagination import SortKey, keyset_page, parse_limit
from crm.common.permissions import ADMINS, allow
from crm.db import get_session
from crm.web.forms import Stay, handle_form
from crm.webhooks import services
from crm.webhooks.models import WebhookAttempt

bp = Blueprint("webhooks", __name__, url_prefix="/admin/webhooks")


class RotateForm(FlaskForm):
    grace_hours = IntegerField(
        "Keep the old secret signing for (hours)",
        default=24,
        validators=[InputRequired(), NumberRange(0, services.MAX_GRACE_HOURS)],
    )


@bp.get("/")
@allow(ADMINS)
def index():
    return render_template("webhooks/index.html", hooks=services.list_webhooks(get_session()))


@bp.route("/<int:webhook_id>", methods=["GET", "POST"])
@allow(ADMINS)
def detail(webhook_id: int):
    db = get_session()
    hook = services.get_webhook(db, webhook_id)
    form = RotateForm()
    shown: dict[str, str | None] = {"secret": None}

    def rotate(session):
        return services.rotate_secret(
            session, current_user, hook, timedelta(hours=form.grace_hours.data or 0)
        )

    def rotated(secret: str) -> Stay:
        # The secret is shown once, on this answer to the POST, and never again.
        shown["secret"] = secret
        return Stay(200, commit=True)

    def render(status: int):
        page = keyset_page(
            db,
            services.attempts_stmt(hook.id),
            [SortKey(WebhookAttempt.id, "WebhookAttempt.id", True)],
            request.args.get("cursor"),
            parse_limit(request.args.get("limit")),
            scalars=False,
        )
        return render_template(
            "webhooks/detail.html", hook=hook, form=form, page=page, new_secret=shown["secret"]
        ), status

    return handle_form(form, rotate, render=render, success=rotated)
