"""Admin pages of the chat notifications: channels per event kind, and the recent messages."""

from __future__ import annotations

from flask import Blueprint, render_template, url_for
from flask_login import current_user

from crm.chat import services
from crm.chat.forms import ChannelForm
from crm.chat.models import EVENTS
from crm.common.permissions import ADMINS, allow
from crm.db import get_session
from crm.web.forms import handle_action, handle_form

bp = Blueprint("chat", __name__, url_prefix="/admin/chat")


def _page(form: ChannelForm | None = None, status: int = 200):
    db = get_session()
    return render_template(
        "chat/index.html",
        form=form or ChannelForm(),
        channels=services.list_channels(db),
        messages=services.recent_messages(db),
        events=EVENTS,
    ), status


@bp.get("/")
@allow(ADMINS)
def index():
    return _page()


@bp.post("/")
@allow(ADMINS)
def create():
    form = ChannelForm()
    return handle_form(
        form,
        lambda db: services.create_channel(
            db,
            current_user,
            name=form.name.data,
            event=form.event.data,
            url=form.url.data,
            cleared=form.cleared.data,
        ),
        render=lambda status: _page(form, status),
        success=lambda channel: (f"Channel “{channel.name}” connected.", url_for("chat.index")),
    )


@bp.post("/<int:channel_id>/delete")
@allow(ADMINS)
def delete(channel_id: int):
    back = url_for("chat.index")
    return handle_action(
        lambda db: services.delete_channel(db, current_user, channel_id),
        success=("Channel removed.", back),
        back=back,
    )
