"""The admin's outbox page: pending, failed (with the last error) and recently sent mail."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, url_for
from flask_login import current_user

from crm.common.errors import Conflict
from crm.common.permissions import ADMINS, allow
from crm.db import get_session
from crm.mail import services
from crm.web.forms import handle_action

bp = Blueprint("mail", __name__, url_prefix="/admin/outbox")


@bp.get("/")
@allow(ADMINS)
def outbox():
    data = services.overview(get_session())
    return render_template(
        "mail/outbox.html",
        data=data,
        using_smtp=services.using_smtp(current_app),
        mail_dir=current_app.config["CRM_MAIL_DIR"],
        max_attempts=services.mail_settings(current_app).max_attempts,
    )


@bp.post("/<int:message_id>/retry")
@allow(ADMINS)
def retry(message_id: int):
    back = url_for("mail.outbox")
    return handle_action(
        lambda db: services.retry_failed(db, current_user, message_id),
        success=("The message will be sent again with the next outbox run.", back),
        back=back,
        refusals=(Conflict,),
        category="warning",
    )
