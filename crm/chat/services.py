"""Notifications in chat: admins connect an incoming-webhook URL (Slack-compatible JSON,
`{"text": …}`) per event kind; events queue one message per channel in the outbox and the
delivery job sends them with retries and backoff, each claimed and committed before it is
sent (as crm/webhooks does), so a message is sent once.

What a channel hears: a channel not marked as cleared never gets an amount, and the names
and aliases of unreleased products are replaced by "an unreleased product".
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import requests
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crm.agreements.models import Product
from crm.audit.services import record
from crm.chat.models import EVENTS, ChatChannel, ChatMessage
from crm.common.actor import Actor
from crm.common.clearance import unfiltered
from crm.common.errors import FieldErrors, Forbidden, NotFound
from crm.common.permissions import ADMIN
from crm.common.timeutil import org_today
from crm.db import rowcount, utcnow
from crm.webhooks.services import DeliveryReport, check_destination, settle

MAX_ATTEMPTS = 8
STALE_AFTER = timedelta(minutes=10)
TIMEOUT = (5, 10)
MAX_TEXT = 3000
REDACTED = "an unreleased product"


def _require_admin(actor: Actor) -> None:
    if getattr(actor, "role", None) != ADMIN:
        raise Forbidden("Only admins connect chat channels.")


def list_channels(session: Session) -> list[ChatChannel]:
    return list(session.scalars(select(ChatChannel).order_by(ChatChannel.event, ChatChannel.id)))


def create_channel(
    session: Session, actor: Actor, *, name: str, event: str, url: str, cleared: bool = False
) -> ChatChannel:
    _require_admin(actor)
    errors = FieldErrors()
    name = " ".join((name or "").split())
    if not name or len(name) > 100:
        errors.add("name", "is required (100 characters at most)")
    if event not in EVENTS:
        errors.add("event", f"must be one of {', '.join(EVENTS)}")
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        parts, host = urlsplit(""), None
    if not host or parts.scheme not in ("http", "https") or len(url) > 2000:
        errors.add("url", "must be an http or https URL")
    elif any(c.isspace() or ord(c) < 32 for c in url):
        errors.add("url", "must not contain spaces or control characters")
    else:
        try:
            check_destination(url)
        except ValueError as exc:
            errors.add("url", str(exc))
    errors.raise_if_any()
    channel = ChatChannel(
        name=name, event=event, url=url, cleared=bool(cleared), created_by_id=actor.id
    )
    session.add(channel)
    session.flush()
    record(
        session,
        actor,
        "chat.channel_create",
        "chat_channel",
        channel.id,
        {"name": name, "event": event, "cleared": channel.cleared},
    )
    return channel


def delete_channel(session: Session, actor: Actor, channel_id: int) -> None:
    _require_admin(actor)
    channel = session.get(ChatChannel, channel_id)
    if channel is None:
        raise NotFound("No such channel.")
    record(
        session,
        actor,
        "chat.channel_delete",
        "chat_channel",
        channel.id,
        {"name": channel.name, "event": channel.event},
    )
    session.delete(channel)
    session.flush()


# --- what a channel may hear -----------------------------------------------------------


def _unreleased_names(session: Session, day: date) -> list[str]:
    rows = session.execute(
        select(Product.name, Product.aliases).where(
            or_(Product.public_on.is_(None), Product.public_on > day)
        ),
        # Every unreleased name, whoever's act sent the message: an uncleared user's view
        # of the products must not shrink what the channel's redaction knows to hide.
        execution_options=unfiltered(),
    ).all()
    names = [n for name, aliases in rows for n in [name, *(aliases or [])] if n and n.strip()]
    return sorted(set(names), key=len, reverse=True)


def redact(session: Session, text: str, day: date | None = None) -> str:
    """The text with every unreleased product's name and alias (whole words, any case)
    replaced."""
    for name in _unreleased_names(session, day or org_today()):
        pattern = re.compile(rf"(?<!\w){re.escape(name)}(?!\w)", re.IGNORECASE)
        text = pattern.sub(REDACTED, text)
    return text


@dataclass(frozen=True)
class Announcement:
    """An event to tell: `text` for every channel, `money` appended for cleared ones."""

    event: str
    key: str
    text: str
    money: str = ""


def announce(session: Session, item: Announcement) -> int:
    """Queue the announcement for every channel of its event kind (once per channel and key);
    how many messages were queued. Runs inside the caller's transaction."""
    channels = list(session.scalars(select(ChatChannel).where(ChatChannel.event == item.event)))
    queued = 0
    for channel in channels:
        if channel.cleared:
            text = item.text + (f" {item.money}" if item.money else "")
        else:
            text = redact(session, item.text)
        exists = session.scalar(
            select(ChatMessage.id).where(
                ChatMessage.channel_id == channel.id, ChatMessage.key == item.key
            )
        )
        if exists is not None:
            continue
        try:
            with session.begin_nested():
                session.add(ChatMessage(channel_id=channel.id, key=item.key, text=text[:MAX_TEXT]))
                session.flush()
        except IntegrityError:
            continue
        queued += 1
    return queued


# --- delivery ----------------------------------------------------------------------------


def _claim(session: Session, message_id: int, now: datetime, ignore_backoff: bool) -> bool:
    conditions = [ChatMessage.id == message_id, ChatMessage.status == "pending"]
    if not ignore_backoff:
        conditions.append(ChatMessage.next_attempt_at <= now)
    won = rowcount(
        session.execute(
            update(ChatMessage).where(*conditions).values(status="sending", claimed_at=now)
        )
    )
    session.commit()
    return won == 1


def _send(url: str, text: str, post: Callable[..., Any]) -> tuple[int | None, str]:
    body = json.dumps({"text": text})
    try:
        check_destination(url)
        response = post(
            url,
            data=body.encode(),
            headers={"Content-Type": "application/json"},
            timeout=TIMEOUT,
            allow_redirects=False,
        )
    except (requests.RequestException, ValueError) as exc:
        return None, (type(exc).__name__ + ": " + str(exc))[:500]
    status = int(response.status_code)
    return status, "" if 200 <= status < 300 else f"HTTP {status}"


def deliver(
    session_factory: Callable[[], Session],
    *,
    ignore_backoff: bool = False,
    limit: int = 200,
    post: Callable[..., Any] = requests.post,
) -> DeliveryReport:
    """Send the due messages; a failure is retried with backoff, up to MAX_ATTEMPTS."""
    report = DeliveryReport()
    with session_factory() as session:
        now = utcnow()
        session.execute(
            update(ChatMessage)
            .where(
                ChatMessage.status == "sending",
                or_(ChatMessage.claimed_at.is_(None), ChatMessage.claimed_at < now - STALE_AFTER),
            )
            .values(status="pending")
        )
        session.commit()
        stmt = select(ChatMessage.id).where(ChatMessage.status == "pending")
        if not ignore_backoff:
            stmt = stmt.where(ChatMessage.next_attempt_at <= now)
        due = list(session.scalars(stmt.order_by(ChatMessage.id).limit(limit)))
        for message_id in due:
            if not _claim(session, message_id, utcnow(), ignore_backoff):
                continue
            message = session.get(ChatMessage, message_id)
            channel = session.get(ChatChannel, message.channel_id) if message else None
            if message is None or channel is None:
                continue
            status, error = _send(channel.url, message.text, post)
            message.attempts += 1
            settle(message, status, error, report, MAX_ATTEMPTS)
            session.commit()
    return report


def recent_messages(session: Session, limit: int = 50) -> list[ChatMessage]:
    return list(session.scalars(select(ChatMessage).order_by(ChatMessage.id.desc()).limit(limit)))
