"""JSON API of webhook subscriptions (admin only)."""

from __future__ import annotations

from datetime import timedelta

from flask import Response, jsonify, request
from flask_login import current_user
from pydantic import Field

from crm.api.base import (
    ApiModel,
    ApiRoutes,
    OutModel,
    created,
    doc,
    iso,
    page_response,
    parse_body,
    query_limit,
)
from crm.common.pagination import SortKey, keyset_page
from crm.common.permissions import ADMINS, allow
from crm.db import get_session
from crm.webhooks import services
from crm.webhooks.models import Webhook, WebhookAttempt

routes = ApiRoutes()


class WebhookIn(ApiModel):
    url: str = Field(max_length=2000)
    events: list[str] = Field(max_length=20)


class WebhookOut(OutModel):
    id: int
    url: str
    events: list[str]
    active: bool
    created_at: str | None
    secret_rotated_at: str | None
    previous_secret_until: str | None


class RotateIn(ApiModel):
    grace_hours: int = Field(default=24, ge=0, le=services.MAX_GRACE_HOURS)


class RotateOut(OutModel):
    id: int
    secret: str
    previous_secret_until: str | None


class AttemptOut(OutModel):
    id: int
    delivery_id: int
    event: str
    attempt: int
    started_at: str
    duration_ms: int
    status_code: int | None
    error: str


def webhook_json(hook: Webhook) -> dict:
    return {
        "id": hook.id,
        "url": hook.url,
        "events": hook.events,
        "active": hook.active,
        "created_at": iso(hook.created_at),
        "secret_rotated_at": iso(hook.secret_rotated_at),
        "previous_secret_until": iso(hook.previous_secret_until),
    }


@routes.get("/webhooks")
@allow(ADMINS)
@doc("Webhook subscriptions", list_of=WebhookOut)
def webhooks_index() -> Response:
    hooks = services.list_webhooks(get_session())
    return jsonify({"items": [webhook_json(h) for h in hooks], "next_cursor": None})


@routes.post("/webhooks")
@allow(ADMINS)
@doc(
    "Subscribe a URL to events; the answer holds the signing secret, once",
    body=WebhookIn,
    response=WebhookOut,
    status=201,
)
def webhooks_create() -> Response:
    body = parse_body(WebhookIn)
    db = get_session()
    hook = services.create_webhook(db, current_user, body.url, body.events)
    db.commit()
    return created(webhook_json(hook) | {"secret": hook.secret})


@routes.delete("/webhooks/<int:webhook_id>")
@allow(ADMINS)
@doc("Delete a subscription and its pending deliveries", status=204)
def webhooks_delete(webhook_id: int) -> Response:
    db = get_session()
    services.delete_webhook(db, current_user, services.get_webhook(db, webhook_id))
    db.commit()
    return Response(status=204)


@routes.post("/webhooks/<int:webhook_id>/rotate-secret")
@allow(ADMINS)
@doc(
    "A new signing secret, shown once; the old one still signs for `grace_hours` (default 24)",
    body=RotateIn,
    response=RotateOut,
)
def webhooks_rotate_secret(webhook_id: int) -> Response:
    body = parse_body(RotateIn)
    db = get_session()
    hook = services.get_webhook(db, webhook_id)
    secret = services.rotate_secret(db, current_user, hook, timedelta(hours=body.grace_hours))
    db.commit()
    return jsonify(
        {
            "id": hook.id,
            "secret": secret,
            "previous_secret_until": iso(hook.previous_secret_until),
        }
    )


def attempt_json(row: tuple[WebhookAttempt, str]) -> dict:
    attempt, event = row
    return {
        "id": attempt.id,
        "delivery_id": attempt.delivery_id,
        "event": event,
        "attempt": attempt.attempt,
        "started_at": iso(attempt.started_at),
        "duration_ms": attempt.duration_ms,
        "status_code": attempt.status_code,
        "error": attempt.error,
    }


@routes.get("/webhooks/<int:webhook_id>/attempts")
@allow(ADMINS)
@doc(
    "The delivery log: every attempt, newest first (status code, duration, error)",
    list_of=AttemptOut,
    query={"cursor": {"type": "string"}, "limit": {"type": "integer"}},
)
def webhooks_attempts(webhook_id: int) -> Response:
    db = get_session()
    services.get_webhook(db, webhook_id)
    page = keyset_page(
        db,
        services.attempts_stmt(webhook_id),
        [SortKey(WebhookAttempt.id, "WebhookAttempt.id", True)],
        request.args.get("cursor"),
        query_limit(),
        scalars=False,
    )
    return page_response(page, attempt_json)
