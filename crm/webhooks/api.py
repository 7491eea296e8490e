"""JSON API of webhook subscriptions (admin only)."""

from __future__ import annotations

from flask import Response, jsonify
from flask_login import current_user
from pydantic import Field

from crm.api.base import ApiModel, ApiRoutes, OutModel, created, doc, iso, parse_body
from crm.common.permissions import ADMINS, allow
from crm.db import get_session
from crm.webhooks import services
from crm.webhooks.models import Webhook

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


def webhook_json(hook: Webhook) -> dict:
    return {
        "id": hook.id,
        "url": hook.url,
        "events": hook.events,
        "active": hook.active,
        "created_at": iso(hook.created_at),
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
