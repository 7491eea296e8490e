from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template, request
from flask_login import current_user

from crm.audit.reading import ENTITIES, action_words, change_lines, entity_words, user_choices
from crm.audit.services import list_events
from crm.common.errors import Invalid
from crm.common.ids import parse_id
from crm.common.pagination import parse_limit
from crm.common.permissions import AUDITORS, allow
from crm.db import get_session

bp = Blueprint("audit", __name__, url_prefix="/audit")


def parse_filters(args) -> dict:
    """Shared by the page and the API: entity, entity_id, actor_id, since, until."""
    errors = {}
    filters: dict = {
        "entity": args.get("entity") or None,
        "entity_id": args.get("entity_id") or None,
    }
    actor = args.get("actor_id")
    if actor:
        if parse_id(actor) is not None:
            filters["actor_id"] = parse_id(actor)
        else:
            errors["actor_id"] = ["must be a user id"]
    for key in ("since", "until"):
        raw = args.get(key)
        if raw:
            try:
                filters[key] = date.fromisoformat(raw)
            except ValueError:
                errors[key] = ["must be a date YYYY-MM-DD"]
    if errors:
        raise Invalid(errors)
    return filters


@bp.get("/")
@allow(AUDITORS)
def index():
    filters = parse_filters(request.args)
    db = get_session()
    page = list_events(
        db,
        cursor=request.args.get("cursor"),
        limit=parse_limit(request.args.get("limit")),
        **filters,
    )
    return render_template(
        "audit/index.html",
        page=page,
        filters=request.args,
        changes_of=lambda event: change_lines(event, current_user),
        action_words=action_words,
        entity_words=entity_words,
        entities=ENTITIES,
        users=user_choices(db),
    )
