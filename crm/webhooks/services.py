"""Webhooks: subscriptions, the delivery outbox and signed, claimed deliveries.

A delivery is sent by whoever commits its pending→sending claim (a conditional UPDATE), so
two runs never send it at once; a claim older than `STALE_AFTER` goes back to pending.
Each request carries `X-CRM-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">`; for a
grace period after a secret rotation a second `v1=` signed with the replaced secret follows,
so a receiver still holding the old secret keeps verifying. Every attempt is logged in
`webhook_attempts` (status code, duration, error; never the body nor a secret). Outbound
requests have timeouts, follow no redirects and reach public addresses only
(`crm.common.outbound`) unless `CRM_FETCH_ALLOW_PRIVATE=1` (tests). The engine knows no
domain: domains call `enqueue`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import requests
from sqlalchemy import Connection, Select, insert, or_, select, update
from sqlalchemy.orm import Session

from crm.audit.services import record
from crm.common import outbound
from crm.common.actor import Actor
from crm.common.errors import FieldErrors, Invalid, NotFound
from crm.common.ids import parse_int
from crm.db import utcnow
from crm.webhooks.models import Webhook, WebhookAttempt, WebhookDelivery

EVENT_RE = re.compile(r"^[a-z_]+\.[a-z_]+$")
MAX_ATTEMPTS = 10
STALE_AFTER = timedelta(minutes=10)
TIMEOUT = (5, 10)


DEFAULT_GRACE = timedelta(hours=24)
MAX_GRACE_HOURS = 24 * 7


def _mac(secret: str, timestamp: int, body: str) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()


def sign(secret: str, timestamp: int, body: str, *also: str) -> str:
    """The signature header: one `v1=` per secret (the current one first)."""
    macs = ",".join(f"v1={_mac(s, timestamp, body)}" for s in (secret, *also))
    return f"t={timestamp},{macs}"


def verify_signature(secret: str, header: str, body: str) -> bool:
    """True when one of the header's `v1=` values is the HMAC of `t.body` under `secret`."""
    pairs = [p.split("=", 1) for p in header.split(",") if "=" in p]
    stamps = [v for k, v in pairs if k.strip() == "t"]
    timestamp = parse_int(stamps[0], low=0) if len(stamps) == 1 else None  # not "²"
    if timestamp is None or timestamp > 10**12:
        return False
    expected = _mac(secret, timestamp, body)
    return any(hmac.compare_digest(expected, v) for k, v in pairs if k.strip() == "v1")


def signing_secrets(hook: Webhook, now: datetime) -> tuple[str, ...]:
    """The secrets a delivery is signed with now: the current one, and the replaced one
    while its grace period lasts."""
    if hook.previous_secret and hook.previous_secret_until and now < hook.previous_secret_until:
        return (hook.secret, hook.previous_secret)
    return (hook.secret,)


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


def rotate_secret(
    session: Session, actor: Actor, hook: Webhook, grace: timedelta = DEFAULT_GRACE
) -> str:
    """A new signing secret, returned once; the replaced one still signs deliveries (as a
    second `v1=`) for `grace` (0 to 7 days), then never again. A rotation during a grace
    period ends the older secret at once: only the latest two are ever in use."""
    hours = grace.total_seconds() / 3600
    if hours < 0 or hours > MAX_GRACE_HOURS:
        raise Invalid({"grace_hours": [f"must be between 0 and {MAX_GRACE_HOURS}"]})
    now = utcnow()
    new = secrets.token_hex(32)
    hook.previous_secret = hook.secret if grace > timedelta(0) else None
    hook.previous_secret_until = now + grace if grace > timedelta(0) else None
    hook.secret = new
    hook.secret_rotated_at = now
    session.flush()
    record(
        session,
        actor,
        "webhook.rotate_secret",
        "webhook",
        hook.id,
        {"grace_hours": hours, "previous_secret_until": hook.previous_secret_until},
    )
    return new


def attempts_stmt(webhook_id: int) -> Select[WebhookAttempt, str]:
    """The attempt log of one subscription, newest first (for keyset pages)."""
    return (
        select(WebhookAttempt, WebhookDelivery.event)
        .join(WebhookDelivery, WebhookDelivery.id == WebhookAttempt.delivery_id)
        .where(WebhookAttempt.webhook_id == webhook_id)
    )


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


allow_private = outbound.allow_private


def check_destination(url: str) -> None:
    """Refuse URLs that are not http(s) or whose host resolves to a non-public address
    (a first check; the connection itself checks the address it connects to again)."""
    outbound.check_url(url)
    parts = urlsplit(url)
    try:
        outbound.resolve(parts.hostname or "", parts.port or 443)
    except OSError as exc:
        raise ValueError(f"cannot resolve {parts.hostname}") from exc


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


def settle(
    row: Any, status: int | None, error: str | None, report: DeliveryReport, max_attempts: int
) -> None:
    """Record one attempt's outcome on a claimed outbox row (a webhook delivery or a chat
    message: both carry status, attempts, last_status, last_error, claimed_at, sent_at and
    next_attempt_at): sent on a 2xx, failed after `max_attempts`, otherwise back to pending
    with backoff. The caller has counted the attempt and commits."""
    row.last_status = status
    row.last_error = error
    row.claimed_at = None
    if status is not None and 200 <= status < 300:
        row.status = "sent"
        row.sent_at = utcnow()
        report.sent += 1
    elif row.attempts >= max_attempts:
        row.status = "failed"
        report.failed += 1
    else:
        row.status = "pending"
        row.next_attempt_at = utcnow() + backoff(row.attempts)
        report.retried += 1


def deliver(
    session_factory: Callable[[], Session],
    *,
    ignore_backoff: bool = False,
    limit: int = 500,
    http: requests.Session | None = None,
) -> DeliveryReport:
    """Send the due deliveries, each claimed and committed before it is sent."""
    report = DeliveryReport()
    own_http = http is None
    http = http or outbound.session(retries=0, max_redirects=0)
    try:
        _deliver_due(session_factory, report, ignore_backoff, limit, http)
    finally:
        if own_http:
            http.close()
    return report


def _deliver_due(
    session_factory: Callable[[], Session],
    report: DeliveryReport,
    ignore_backoff: bool,
    limit: int,
    http: requests.Session,
) -> None:
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
            started = utcnow()
            clock = time.monotonic()
            status, error = _send(hook, delivery, http.post)
            delivery.attempts += 1
            session.add(
                WebhookAttempt(
                    delivery_id=delivery.id,
                    webhook_id=hook.id,
                    attempt=delivery.attempts,
                    started_at=started,
                    duration_ms=int((time.monotonic() - clock) * 1000),
                    status_code=status,
                    error=error,
                )
            )
            settle(delivery, status, error, report, MAX_ATTEMPTS)
            session.commit()


def _send(
    hook: Webhook, delivery: WebhookDelivery, post: Callable[..., Any]
) -> tuple[int | None, str]:
    now = utcnow()
    timestamp = int(now.timestamp())
    try:
        outbound.check_url(hook.url)
        response = post(
            hook.url,
            data=delivery.body.encode(),
            headers={
                "Content-Type": "application/json",
                "X-CRM-Event": delivery.event,
                "X-CRM-Delivery": str(delivery.id),
                "X-CRM-Signature": sign(
                    hook.secret, timestamp, delivery.body, *signing_secrets(hook, now)[1:]
                ),
            },
            timeout=TIMEOUT,
            allow_redirects=False,
        )
    except (requests.RequestException, ValueError) as exc:
        return None, safe_error(hook, exc)
    status = int(response.status_code)
    response.close()
    return status, "" if 200 <= status < 300 else f"HTTP {status}"


_CREDENTIALS = re.compile(r"(?i)(https?://)[^/@\s]*@")
_QUERY = re.compile(r"(?i)(https?://[^\s'\"?#]*)[?#][^\s'\")]*")


def safe_error(hook: Webhook, exc: Exception) -> str:
    """The error's type and message, without the subscription's URL query or credentials
    (they may hold a token) and never a secret."""
    text = f"{type(exc).__name__}: {exc}"
    for secret in (hook.secret, hook.previous_secret):
        if secret:
            text = text.replace(secret, "[secret]")
    text = _CREDENTIALS.sub(r"\1[credentials]@", text)
    text = _QUERY.sub(r"\1?[query]", text)
    return text[:500]
