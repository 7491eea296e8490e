"""/api/v1/audit: the audit log, newest first (admin and legal)."""

from __future__ import annotations

from flask import request
from flask_login import current_user

from crm.api.base import ApiRoutes, OutModel, doc, iso, page_response, query_limit
from crm.audit.services import list_events, shown_changes
from crm.audit.views import parse_filters
from crm.common.permissions import AUDITORS, allow
from crm.db import get_session

routes = ApiRoutes()


class AuditEventOut(OutModel):
    id: int
    at: str
    actor_id: int | None
    actor: str
    action: str
    entity: str
    entity_id: str | None
    changes: dict


def audit_json(event) -> dict:
    return {
        "id": event.id,
        "at": iso(event.at),
        "actor_id": event.actor_id,
        "actor": event.actor_label,
        "action": event.action,
        "entity": event.entity,
        "entity_id": event.entity_id,
        "changes": shown_changes(event, current_user),
    }


@routes.get("/audit")
@allow(AUDITORS)
@doc(
    "Audit events, newest first",
    list_of=AuditEventOut,
    query={
        "entity": {"type": "string"},
        "entity_id": {"type": "string"},
        "actor_id": {"type": "integer"},
        "since": {"type": "string", "format": "date"},
        "until": {"type": "string", "format": "date"},
    },
)
def audit():
    filters = parse_filters(request.args)
    page = list_events(
        get_session(), cursor=request.args.get("cursor"), limit=query_limit(), **filters
    )
    return page_response(page, audit_json)
