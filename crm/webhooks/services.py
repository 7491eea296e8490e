"""Webhooks: subscriptions, the delivery outbox and signed, claimed deliveries.

A delivery is sent by whoever commits its pending→sending claim (a conditional UPDATE), so
two runs never send it at once; a claim older than `STALE_AFTER` goes back to pending.
Each request carries `X-CRM-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">`. Outbound
requests have timeouts, follow no redirects and refuse private and loopback addresses unless
`CRM_FETCH_ALLOW_PRIVATE=1` (tests). The engine knows no domain: domains call `enqueue`.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import os
import re
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import requests
from sqlalchemy import Connection, insert, or_, select, update
from sqlalchemy.orm import Session

from crm.audit.services import record
from crm.common.actor import Actor
from crm.common.errors import FieldErrors, NotFound
from crm.common.ids import parse_int
from crm.db import utcnow
from crm.webhooks.models import Webhook, WebhookDelivery

EVENT_RE = re.compile(r"^[a-z_]+\.[a-z_]+$")
MAX_ATTEMPTS = 10
STALE_AFTER = timedelta(minutes=10)
TIMEOUT = (5, 10)


def sign(secret: str, timestamp: int, body: str) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify_signature(secret: str, header: str, body: str) -> bool:
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    timestamp = parse_int(parts.get("t"), low=0)  # ASCII digits: `isdigit` would take "²"
    if timestamp is None:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), header)


# --- subscriptions -------------------------------------------------------------------------


def create_webhook(session: Session, actor: Actor, url: str, events: list[str]) -> Webhook:
    errors = FieldErrors()
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 2000:
        errors.add("url", "must be an http or https URL")
    clean = sorted(set(events))
    if not clean:
        errors.add("events", "must name at least one event")
    for name in clean:
        if not EVENT_RE.match(name):
            errors.add("events", f"{name[:60]!r} is not an event name")
    errors.raise_if_any()
    hook = Webhook(
        url=url.strip(),
        events=clean,
        secret=secrets.token_hex(32),
        created_by_id=getattr(actor, "id", None),
    )
    session.add(hook)
    session.flush()
    record(session, actor, "webhook.create", "webhook", hook.id, {"url": hook.url})
    return hook


def get_webhook(session: Session, webhook_id: int) -> Webhook:
    hook = session.get(Webhook, webhook_id)
    if hook is None:
        raise NotFound("No such webhook.")
    return hook


def delete_webhook(session: Session, actor: Actor, hook: Webhook) -> None:
    record(session, actor, "webhook.delete", "webhook", hook.id, {"url": hook.url})
    session.delete(hook)
    session.flush()


def list_webhooks(session: Session) -> list[Webhook]:
    return list(session.scalars(select(Webhook).order_by(Webhook.id)))


# --- the outbox ----------------------------------------------------------------------------


def enqueue(connection: Connection, event: str, payload: dict[str, Any]) -> int:
    """A pending delivery of `event` to every active subscription to it, on `connection`
    (so it commits with the change that caused it). Returns how many."""
    hooks = connection.execute(select(Webhook.id, Webhook.events).where(Webhook.active)).all()
    now = utcnow()
    body = json.dumps({"event": event, "data": payload}, sort_keys=True, default=str)
    rows = [
        {
            "webhook_id": hook_id,
            "event": event,
            "body": body,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "last_error": "",
            "created_at": now,
        }
        for hook_id, events in hooks
        if event in (events or [])
    ]
    if rows:
        connection.execute(insert(WebhookDelivery), rows)
    return len(rows)


def allow_private() -> bool:
    return os.environ.get("CRM_FETCH_ALLOW_PRIVATE") == "1"


def check_destination(url: str) -> None:
    """Refuse URLs whose host resolves to a private, loopback or link-local address."""
    host = urlsplit(url).hostname or ""
    if allow_private():
        return
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError as exc:
        raise ValueError(f"cannot resolve {host}") from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise ValueError(f"{host} resolves to a non-public address")


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0

    def __str__(self) -> str:
        return f"{self.sent} sent, {self.retried} to retry, {self.failed} failed"


def _claim(session: Session, delivery_id: int, now: datetime, ignore_backoff: bool) -> bool:
    conditions = [WebhookDelivery.id == delivery_id, WebhookDelivery.status == "pending"]
    if not ignore_backoff:
        conditions.append(WebhookDelivery.next_attempt_at <= now)
    result = session.execute(
        update(WebhookDelivery).where(*conditions).values(status="sending", claimed_at=now)
    )
    session.commit()
    return bool(getattr(result, "rowcount", 0) == 1)


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(60 * 2 ** (attempts - 1), 6 * 3600))


def deliver(
    session_factory: Callable[[], Session],
    *,
    ignore_backoff: bool = False,
    limit: int = 500,
    post: Callable[..., Any] = requests.post,
) -> DeliveryReport:
    """Send the due deliveries, each claimed and committed before it is sent."""
    report = DeliveryReport()
    with session_factory() as session:
        now = utcnow()
        session.execute(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.status == "sending",
                or_(
                    WebhookDelivery.claimed_at.is_(None),
                    WebhookDelivery.claimed_at < now - STALE_AFTER,
                ),
            )
            .values(status="pending")
        )
        session.commit()
        stmt = select(WebhookDelivery.id).where(WebhookDelivery.status == "pending")
        if not ignore_backoff:
            stmt = stmt.where(WebhookDelivery.next_attempt_at <= now)
        due = list(session.scalars(stmt.order_by(WebhookDelivery.id).limit(limit)))
        for delivery_id in due:
            if not _claim(session, delivery_id, utcnow(), ignore_backoff):
                continue
            delivery = session.get(WebhookDelivery, delivery_id)
            hook = session.get(Webhook, delivery.webhook_id) if delivery else None
            if delivery is None or hook is None:
                continue
            status, error = _send(hook, delivery, post)
            delivery.attempts += 1
            delivery.last_status = status
            delivery.last_error = error
            delivery.claimed_at = None
            if status is not None and 200 <= status < 300:
                delivery.status = "sent"
                delivery.sent_at = utcnow()
                report.sent += 1
            elif delivery.attempts >= MAX_ATTEMPTS:
                delivery.status = "failed"
                report.failed += 1
            else:
                delivery.status = "pending"
                delivery.next_attempt_at = utcnow() + backoff(delivery.attempts)
                report.retried += 1
            session.commit()
    return report


def _send(
    hook: Webhook, delivery: WebhookDelivery, post: Callable[..., Any]
) -> tuple[int | None, str]:
    timestamp = int(utcnow().timestamp())
    try:
        check_destination(hook.url)
        response = post(
            hook.url,
            data=delivery.body.encode(),
            headers={
                "Content-Type": "application/json",
                "X-CRM-Event": delivery.event,
                "X-CRM-Delivery": str(delivery.id),
                "X-CRM-Signature": sign(hook.secret, timestamp, delivery.body),
            },
            timeout=TIMEOUT,
            allow_redirects=False,
        )
    except (requests.RequestException, ValueError) as exc:
        return None, type(exc).__name__ + ": " + str(exc)[:500]
    status = int(response.status_code)
    return status, "" if 200 <= status < 300 else f"HTTP {status}"
