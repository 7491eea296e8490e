"""API routes that belong to no single domain: who am I, the audit log, the description."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, jsonify, request
from flask_login import current_user

from crm.api.base import OutModel, bp, doc, iso, page_response, query_limit
from crm.audit.services import list_events
from crm.audit.views import parse_filters
from crm.common.permissions import ALL_ROLES, AUDITORS, allow, public
from crm.db import get_session


class MeOut(OutModel):
    id: int
    email: str
    name: str
    role: str
    timezone: str
    digest_opt_in: bool


class AuditEventOut(OutModel):
    id: int
    at: str
    actor_id: int | None
    actor: str
    action: str
    entity: str
    entity_id: str | None
    changes: dict


def user_json(user: Any) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "timezone": user.timezone,
        "digest_opt_in": user.digest_opt_in,
    }


@bp.get("/me")
@allow(ALL_ROLES)
@doc("The user the token acts for", response=MeOut)
def me() -> Response:
    return jsonify(user_json(current_user))


def audit_json(event: Any) -> dict[str, Any]:
    return {
        "id": event.id,
        "at": iso(event.at),
        "actor_id": event.actor_id,
        "actor": event.actor_label,
        "action": event.action,
        "entity": event.entity,
        "entity_id": event.entity_id,
        "changes": event.changes,
    }


@bp.get("/audit")
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
def audit() -> Response:
    filters = parse_filters(request.args)
    page = list_events(
        get_session(), cursor=request.args.get("cursor"), limit=query_limit(), **filters
    )
    return page_response(page, audit_json)


@bp.get("/openapi.json")
@public
@doc("This document (OpenAPI 3.1)", response={"type": "object"})
def openapi() -> Response:
    from crm.api.openapi import build_spec

    spec = current_app.extensions.get("crm_openapi")
    if spec is None:
        spec = current_app.extensions["crm_openapi"] = build_spec(current_app)
    return jsonify(spec)
