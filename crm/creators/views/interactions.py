"""Recording an interaction with a creator (entered in the user's own time zone)."""

from __future__ import annotations

from datetime import UTC

from flask import request, url_for
from flask_login import current_user

from crm.common.permissions import EDITORS, allow
from crm.common.timeutil import zone
from crm.creators import services
from crm.creators.forms import InteractionForm
from crm.creators.views.base import _render_form, bp
from crm.db import get_session, utcnow
from crm.web.forms import handle_form


@bp.route("/<int:creator_id>/interactions/new", methods=["GET", "POST"])
@allow(EDITORS)
def add_interaction(creator_id: int):
    creator = services.get_creator(get_session(), creator_id)
    form = InteractionForm()
    if request.method == "GET":
        now = utcnow().astimezone(zone(current_user.timezone))
        form.occurred_at.data = now.replace(tzinfo=None, second=0, microsecond=0)

    def call(db):
        local = form.occurred_at.data.replace(tzinfo=zone(current_user.timezone))
        return services.record_interaction(
            db,
            current_user,
            creator,
            kind=form.kind.data,
            occurred_at=local.astimezone(UTC),
            summary=form.summary.data,
        )

    back = url_for("creators.detail", creator_id=creator.id)
    return handle_form(
        form,
        call,
        render=_render_form(
            form,
            title=f"Record an interaction with {creator.display_name}",
            action=url_for("creators.add_interaction", creator_id=creator_id),
            cancel=back,
            submit="Record",
        ),
        success=("Interaction recorded.", back),
    )
