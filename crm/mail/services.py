"""The outbox: enqueue (idempotent) and flush (claim in the database, then send).

One module on purpose (~410 lines): enqueue and delivery share the claim protocol below.

Delivery guarantee. A message is sent by whoever committed its pending→sending claim,
so two flushes (two scheduler processes, the scheduler and `crm mail flush`) never send
the same message at the same time. If a process dies after claiming, the row stays in
`sending`; after `stale_after` (15 minutes by default, far longer than one SMTP timeout)
the next flush puts it back to pending and sends it. The one window left is a crash
*after* the relay accepted the message and *before* "sent" was committed: that message
is sent again when its claim goes stale. That is a deliberate choice of at-least-once
over at-most-once (losing a digest or a decision email silently is worse than a rare
duplicate), and the duplicate carries the same Message-ID as the first copy (it is fixed
at the first claim), so most mail systems file the two as one message.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import make_msgid, parseaddr
from typing import Any

from flask import Flask
from sqlalchemy import Select, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from crm.auth.models import User
from crm.common.actor import Actor
from crm.common.clearance import hidden_for, sees_everything, unfiltered
from crm.common.errors import Conflict, Invalid, NotFound
from crm.db import rowcount, utcnow
from crm.mail.models import OutboxMessage
from crm.mail.smtp import (
    FileSender,
    Sender,
    SmtpSender,
    SmtpSettings,
    _check_header_text,
    _single_address,
    backoff_seconds,
    build_message,
)
from crm.web.redaction import redact_html

log = logging.getLogger(__name__)

DEFAULT_MAX_ATTEMPTS = 8  # 1+2+4+…+64 minutes of backoff: about four hours of outage
DEFAULT_STALE_AFTER = timedelta(minutes=15)
DEFAULT_FLUSH_LIMIT = 500


@dataclass
class MailSettings:
    """What a flush needs; `mail_settings(app)` builds it from the configuration."""

    sender: Sender
    mail_from: str
    message_id_domain: str = "localhost"
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    backoff_base: int = 60
    backoff_cap: int = 6 * 3600
    stale_after: timedelta = DEFAULT_STALE_AFTER


def sender_for(app: Flask) -> Sender:
    """SMTP when `CRM_SMTP_HOST` is set; otherwise .eml files under `CRM_MAIL_DIR`."""
    cfg = app.config
    if cfg.get("CRM_SMTP_HOST"):
        return SmtpSender(
            SmtpSettings(
                host=cfg["CRM_SMTP_HOST"],
                port=int(cfg.get("CRM_SMTP_PORT") or 25),
                user=cfg.get("CRM_SMTP_USER") or None,
                password=cfg.get("CRM_SMTP_PASSWORD") or None,
                starttls=bool(cfg.get("CRM_SMTP_STARTTLS")),
                timeout=float(cfg.get("CRM_SMTP_TIMEOUT") or 10),
                mail_from=cfg["CRM_MAIL_FROM"],
            )
        )
    return FileSender(cfg["CRM_MAIL_DIR"])


def mail_settings(app: Flask, sender: Sender | None = None) -> MailSettings:
    cfg = app.config
    mail_from = cfg["CRM_MAIL_FROM"]
    domain = parseaddr(mail_from)[1].rpartition("@")[2] or "localhost"
    return MailSettings(
        sender=sender or sender_for(app),
        mail_from=mail_from,
        message_id_domain=domain,
        max_attempts=int(cfg.get("CRM_MAIL_MAX_ATTEMPTS") or DEFAULT_MAX_ATTEMPTS),
    )


def using_smtp(app: Flask) -> bool:
    return bool(app.config.get("CRM_SMTP_HOST"))


# --- enqueue ------------------------------------------------------------------------------


def _validate(to: str, subject: str, text: str, kind: str, idempotency_key: str) -> None:
    errors: dict[str, list[str]] = {}
    try:
        _single_address("to", to)
    except ValueError as exc:
        errors["to"] = [str(exc)]
    try:
        _check_header_text("subject", subject)
    except ValueError as exc:
        errors["subject"] = [str(exc)]
    if not subject.strip():
        errors.setdefault("subject", []).append("subject is required")
    if len(subject) > 500:
        errors.setdefault("subject", []).append("subject is longer than 500 characters")
    if not text.strip():
        errors["text"] = ["a plain-text body is required"]
    if not kind or len(kind) > 50:
        errors["kind"] = ["kind is required (at most 50 characters)"]
    if not idempotency_key or len(idempotency_key) > 200:
        errors["idempotency_key"] = ["idempotency_key is required (at most 200 characters)"]
    if errors:
        raise Invalid(errors)


def _insert_ignoring_duplicate(session: Session, values: dict) -> None:
    """INSERT … ON CONFLICT (idempotency_key) DO NOTHING on both backends: a concurrent
    enqueue of the same key waits for the other transaction and then inserts nothing."""
    dialect = session.get_bind().dialect.name
    stmt: postgresql.Insert | sqlite.Insert
    if dialect == "postgresql":
        stmt = postgresql.insert(OutboxMessage).values(**values)
    elif dialect == "sqlite":
        stmt = sqlite.insert(OutboxMessage).values(**values)
    else:  # pragma: no cover - only the two supported databases
        raise RuntimeError(f"unsupported database {dialect}")
    session.execute(stmt.on_conflict_do_nothing(index_elements=["idempotency_key"]))


def _as_the_recipient_reads(
    session: Session, to: str, subject: str, text: str, html: str | None
) -> tuple[str, str, str | None]:
    """A staff recipient reads no name of a product they are not cleared for (a task's
    title, a reviewer's comment): the message is redacted for them before it is stored."""
    user = session.scalar(
        select(User).where(User.email == to.strip().lower()), execution_options=unfiltered()
    )
    if sees_everything(user):
        return subject, text, html
    hidden = hidden_for(session, user)
    if not hidden:
        return subject, text, html
    return (
        hidden.redact(subject),
        hidden.redact(text),
        redact_html(html, hidden) if html else html,
    )


def enqueue(
    session: Session,
    *,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    kind: str,
    idempotency_key: str,
    now: datetime | None = None,
) -> OutboxMessage:
    """Add one message for one recipient; the same key returns the existing row instead.

    The caller commits (the message is written with the change that caused it, or not
    at all). Raises Invalid for a bad address or a subject with line breaks.
    """
    _validate(to, subject, text, kind, idempotency_key)
    existing = session.scalar(
        select(OutboxMessage).where(OutboxMessage.idempotency_key == idempotency_key)
    )
    if existing is not None:
        return existing
    subject, text, html = _as_the_recipient_reads(session, to, subject, text, html)
    moment = now or utcnow()
    session.flush()
    _insert_ignoring_duplicate(
        session,
        {
            "to": to.strip(),
            "subject": subject,
            "text": text,
            "html": html,
            "kind": kind,
            "idempotency_key": idempotency_key,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": moment,
            "created_at": moment,
        },
    )
    return session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.idempotency_key == idempotency_key)
        .execution_options(populate_existing=True)
    ).one()


# --- flush --------------------------------------------------------------------------------


@dataclass
class FlushReport:
    sent: int = 0
    retry: int = 0
    failed: int = 0
    reclaimed: int = 0
    skipped: int = 0  # claimed by someone else between the listing and our claim
    errors: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"sent {self.sent}, to retry {self.retry}, failed {self.failed}, "
            f"reclaimed {self.reclaimed}, skipped {self.skipped}"
        )


def _as_settings(app_or_settings: Flask | MailSettings) -> MailSettings:
    if isinstance(app_or_settings, MailSettings):
        return app_or_settings
    return mail_settings(app_or_settings)


def reclaim_stale(session: Session, now: datetime, stale_after: timedelta) -> int:
    """Put messages whose sender died mid-send back to pending (crash recovery)."""
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.status == "sending",
            OutboxMessage.claimed_at < now - stale_after,
        )
        .values(status="pending", claim_token=None, claimed_at=None, next_attempt_at=now)
    )
    return rowcount(result) or 0


def _claim(
    session: Session, message_id: int, now: datetime, token: str, msgid: str, ignore_backoff: bool
) -> bool:
    conditions = [OutboxMessage.id == message_id, OutboxMessage.status == "pending"]
    if not ignore_backoff:
        conditions.append(OutboxMessage.next_attempt_at <= now)
    result = session.execute(
        update(OutboxMessage)
        .where(*conditions)
        .values(
            status="sending",
            claimed_at=now,
            claim_token=token,
            attempts=OutboxMessage.attempts + 1,
            message_id=func.coalesce(OutboxMessage.message_id, msgid),
        )
    )
    return rowcount(result) == 1


def _finish(session: Session, message_id: int, token: str, **values: Any) -> None:
    """Record the outcome, only if our claim still stands (a stale claim lost it)."""
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.claim_token == token)
        .values(claim_token=None, **values)
    )


def flush(
    app_or_settings: Flask | MailSettings,
    session_factory: Callable[[], Session],
    *,
    now: datetime | None = None,
    ignore_backoff: bool = False,
    limit: int = DEFAULT_FLUSH_LIMIT,
) -> FlushReport:
    """Send the due messages, each claimed (and committed) before it is handed to SMTP.

    Every claim, and every outcome, is its own short transaction, so a slow relay never
    holds a database lock and a crash loses at most the message being sent (see the
    module docstring for the trade-off).
    """
    settings = _as_settings(app_or_settings)
    report = FlushReport()
    clock = (lambda: now) if now is not None else utcnow
    with session_factory() as session:
        report.reclaimed = reclaim_stale(session, clock(), settings.stale_after)
        session.commit()
        query = select(OutboxMessage.id).where(OutboxMessage.status == "pending")
        if not ignore_backoff:
            query = query.where(OutboxMessage.next_attempt_at <= clock())
        ids = list(
            session.scalars(
                query.order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit)
            )
        )
        session.commit()

    for message_id in ids:
        with session_factory() as session:
            outcome = _send_one(session, settings, message_id, clock, ignore_backoff)
        if outcome is None:
            report.skipped += 1
        else:
            setattr(report, outcome, getattr(report, outcome) + 1)
    return report


def _send_one(
    session: Session,
    settings: MailSettings,
    message_id: int,
    clock: Callable[[], datetime],
    ignore_backoff: bool,
) -> str | None:
    token = secrets.token_hex(16)
    msgid = make_msgid(domain=settings.message_id_domain)
    if not _claim(session, message_id, clock(), token, msgid, ignore_backoff):
        session.rollback()
        return None
    session.commit()
    row = session.get(OutboxMessage, message_id, populate_existing=True)
    assert row is not None  # we hold its claim
    try:
        message = build_message(
            to=row.to,
            subject=row.subject,
            text=row.text,
            html=row.html,
            mail_from=settings.mail_from,
            message_id_domain=settings.message_id_domain,
        )
        message.replace_header("Message-ID", row.message_id)
    except ValueError as exc:
        _finish(session, message_id, token, status="failed", last_error=f"invalid message: {exc}")
        session.commit()
        return "failed"

    result = settings.sender.send(message)
    moment = clock()
    if result.status == "sent":
        _finish(session, message_id, token, status="sent", sent_at=moment, last_error=None)
        outcome = "sent"
    elif result.status == "retry" and row.attempts < settings.max_attempts:
        delay = backoff_seconds(row.attempts, settings.backoff_base, settings.backoff_cap)
        _finish(
            session,
            message_id,
            token,
            status="pending",
            last_error=result.error,
            next_attempt_at=moment + timedelta(seconds=delay),
        )
        outcome = "retry"
    else:
        error = result.error or "delivery failed"
        if result.status == "retry":
            error = f"gave up after {row.attempts} attempts: {error}"
        _finish(session, message_id, token, status="failed", last_error=error[:500])
        outcome = "failed"
        log.warning("outbox message %s failed: %s", message_id, error)
    session.commit()
    return outcome


# --- admin --------------------------------------------------------------------------------


def retry_failed(
    session: Session, actor: Actor, message_id: int, now: datetime | None = None
) -> OutboxMessage:
    """An admin sends a failed message again: back to pending with a fresh attempt budget."""
    from crm.audit.services import record

    row = session.get(OutboxMessage, message_id)
    if row is None:
        raise NotFound("No such message.")
    if row.status != "failed":
        raise Conflict("Only a failed message can be retried.")
    row.status = "pending"
    row.attempts = 0
    row.next_attempt_at = now or utcnow()
    record(
        session, actor, "outbox.retry", "outbox_message", row.id, {"status": ["failed", "pending"]}
    )
    session.flush()
    return row


@dataclass
class OutboxOverview:
    pending: list[OutboxMessage]
    failed: list[OutboxMessage]
    sent: list[OutboxMessage]
    counts: dict[str, int]


def overview(session: Session, limit: int = 50) -> OutboxOverview:
    """What the admin's outbox page shows: waiting, failed (with the error) and recent sent."""

    def rows(statuses: tuple[str, ...], order: tuple[Any, ...]) -> list[OutboxMessage]:
        return list(
            session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.status.in_(statuses))
                .order_by(*order)
                .limit(limit)
            )
        )

    counts = dict(
        session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        ).all()
    )
    return OutboxOverview(
        pending=rows(("pending", "sending"), (OutboxMessage.next_attempt_at, OutboxMessage.id)),
        failed=rows(("failed",), (OutboxMessage.created_at.desc(), OutboxMessage.id.desc())),
        sent=rows(("sent",), (OutboxMessage.sent_at.desc(), OutboxMessage.id.desc())),
        counts={s: counts.get(s, 0) for s in ("pending", "sending", "sent", "failed")},
    )


def failed_count_stmt(_user: object = None) -> Select[int]:
    """Nav badge for admins: failed messages need a look (one count, run with the others)."""
    return select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "failed")
