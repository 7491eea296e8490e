"""R8: the weekly digest, exactly once per opted-in active user and ISO week.

How "exactly once" holds with two schedulers running at once, or a run killed midway:

1. Claim: INSERT a `digest_deliveries` row (user, week) and commit. UNIQUE(user_id,
   iso_week) lets exactly one run win; the other skips that user.
2. Compose and enqueue with idempotency key `digest:{user_id}:{iso_week}`, and mark the
   delivery `queued`, in one transaction. The outbox then sends it (claimed per message).
3. A run killed between 1 and 2 leaves a `claimed` row. Once that claim is older than
   `STALE_CLAIM` the next run of the same week takes it over (conditional UPDATE on the
   old token) and finishes it; had the dead run already enqueued, the idempotency key
   returns its message instead of adding a second one.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from crm.auth.models import User
from crm.common.clearance import viewing_as
from crm.common.errors import Invalid
from crm.common.timeutil import org_zone
from crm.db import rowcount, utcnow
from crm.digest.models import DigestDelivery
from crm.digest.sections import sections_for
from crm.mail.rendering import Links, render_email
from crm.mail.services import enqueue
from crm.web.redaction import redact_html

STALE_CLAIM = timedelta(minutes=15)
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


def iso_week_of(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_bounds(iso_week: str) -> tuple[date, date]:
    """Monday and Sunday of "2026-W47"; Invalid for anything else (or a week 53 that
    the year does not have)."""
    match = _WEEK.match(iso_week or "")
    if match:
        try:
            monday = date.fromisocalendar(int(match[1]), int(match[2]), 1)
        except ValueError:
            monday = None
        if monday is not None:
            return monday, monday + timedelta(days=6)
    raise Invalid({"week": ["must be an ISO week like 2026-W47"]})


def current_week(app: Flask, now: datetime | None = None) -> str:
    """The ISO week of today in the organisation's time zone (`CRM_TIMEZONE`)."""
    moment = now or utcnow()
    return iso_week_of(moment.astimezone(org_zone(app)).date())


@dataclass
class DigestEmail:
    subject: str
    text: str
    html: str
    sections: list[str]


def compose(
    app: Flask, session: Session, user: User, iso_week: str, links: Links | None = None
) -> DigestEmail | None:
    """This user's digest for the week, or None when no section has anything to say."""
    week_start, week_end = week_bounds(iso_week)
    built = []
    # Each section reads as this user: records about products they are not cleared for are
    # left out, and the names still in free text are redacted from what is rendered.
    with viewing_as(session, user) as hidden:
        for section in sections_for(user, app):
            data = section.build(session, user, week_start, week_end)
            if data:
                built.append((section, data))
    if not built:
        return None
    links = links or Links(app)
    subject = f"Your Creator CRM week {iso_week}"
    context = {
        "user": user,
        "iso_week": iso_week,
        "week_start": week_start,
        "week_end": week_end,
        # Days in the digest (due, expiring, published) are the organisation's days.
        "zone": org_zone(app).key,
        "sections": built,
        "link": links,
        "base_url": links.base_url or None,
        "home_url": links("home.index"),
        "optout_url": links("auth.profile"),
        "subject": subject,
    }
    return DigestEmail(
        subject=subject,
        text=hidden.redact(render_email("email/digest.txt", **context)),
        html=redact_html(render_email("email/digest.html", **context), hidden),
        sections=[section.name for section, _ in built],
    )


@dataclass
class DigestReport:
    week: str
    queued: int = 0
    empty: int = 0
    already: int = 0  # finished earlier (by this or another run)
    busy: int = 0  # claimed by a run that is still within its time
    resumed: int = 0  # stale claims of a dead run taken over and finished
    lines: list[str] = field(default_factory=list)  # dry run: what would happen

    def __str__(self) -> str:
        return (
            f"week {self.week}: queued {self.queued}, nothing to send {self.empty}, "
            f"already done {self.already}, in progress elsewhere {self.busy}, "
            f"resumed {self.resumed}"
        )


def _insert_claim(session: Session, values: dict) -> None:
    dialect = session.get_bind().dialect.name
    stmt: postgresql.Insert | sqlite.Insert
    if dialect == "postgresql":
        stmt = postgresql.insert(DigestDelivery).values(**values)
    else:
        stmt = sqlite.insert(DigestDelivery).values(**values)
    session.execute(stmt.on_conflict_do_nothing(index_elements=["user_id", "iso_week"]))


def claim(session: Session, user_id: int, iso_week: str, now: datetime) -> tuple[str | None, bool]:
    """Claim (user, week) and commit. Returns (token or None, whether it was a takeover)."""
    token = secrets.token_hex(16)
    _insert_claim(
        session,
        {
            "user_id": user_id,
            "iso_week": iso_week,
            "status": "claimed",
            "claimed_at": now,
            "claim_token": token,
            "created_at": now,
        },
    )
    session.commit()
    row = session.scalars(
        select(DigestDelivery)
        .where(DigestDelivery.user_id == user_id, DigestDelivery.iso_week == iso_week)
        .execution_options(populate_existing=True)
    ).one()
    if row.claim_token == token:
        return token, False
    if row.status == "claimed" and row.claimed_at < now - STALE_CLAIM:
        result = session.execute(
            update(DigestDelivery)
            .where(
                DigestDelivery.id == row.id,
                DigestDelivery.status == "claimed",
                DigestDelivery.claim_token == row.claim_token,
            )
            .values(claim_token=token, claimed_at=now)
        )
        session.commit()
        if rowcount(result) == 1:
            return token, True
    session.rollback()
    return None, False


def _finish(session: Session, user_id: int, iso_week: str, token: str, **values: Any) -> bool:
    result = session.execute(
        update(DigestDelivery)
        .where(
            DigestDelivery.user_id == user_id,
            DigestDelivery.iso_week == iso_week,
            DigestDelivery.claim_token == token,
        )
        .values(claim_token=None, **values)
    )
    return rowcount(result) == 1


def deliver_to(
    app: Flask,
    session: Session,
    user: User,
    iso_week: str,
    token: str,
    now: datetime,
    links: Links,
) -> str:
    """Compose, enqueue and mark the delivery in one transaction; returns the status."""
    email = compose(app, session, user, iso_week, links)
    if email is None:
        _finish(session, user.id, iso_week, token, status="empty", finished_at=now)
        session.commit()
        return "empty"
    message = enqueue(
        session,
        to=user.email,
        subject=email.subject,
        text=email.text,
        html=email.html,
        kind="digest",
        idempotency_key=f"digest:{user.id}:{iso_week}",
        now=now,
    )
    if not _finish(
        session, user.id, iso_week, token, status="queued", outbox_id=message.id, finished_at=now
    ):
        # Our claim was taken over (we were too slow): the other run finishes it and the
        # idempotency key means its enqueue finds this same message.
        session.rollback()
        return "busy"
    session.commit()
    return "queued"


def recipients(session: Session, user_ids: list[int] | None = None) -> list[User]:
    query = select(User).where(User.active.is_(True), User.digest_opt_in.is_(True))
    if user_ids is not None:
        query = query.where(User.id.in_(user_ids))
    return list(session.scalars(query.order_by(User.id)))


def send_weekly(
    app: Flask,
    session_factory: Callable[[], Session],
    *,
    week: str | None = None,
    now: datetime | None = None,
    dry_run: bool = False,
    user_ids: list[int] | None = None,
) -> DigestReport:
    """Queue this week's digest for every opted-in active user not served yet.

    Safe to run twice, at once, or after a crash (see the module docstring). A dry run
    composes everything and reports it, and writes nothing.
    """
    moment = now or utcnow()
    iso_week = week or current_week(app, moment)
    week_bounds(iso_week)
    report = DigestReport(iso_week)
    links = Links(app)
    with session_factory() as session:
        users = recipients(session, user_ids)
        done = set(
            session.scalars(
                select(DigestDelivery.user_id).where(
                    DigestDelivery.iso_week == iso_week, DigestDelivery.status != "claimed"
                )
            )
        )
        if dry_run:
            for user in users:
                if user.id in done:
                    report.already += 1
                    report.lines.append(f"{user.email} ({user.role}): already sent")
                    continue
                email = compose(app, session, user, iso_week, links)
                if email is None:
                    report.empty += 1
                    report.lines.append(f"{user.email} ({user.role}): nothing to send")
                else:
                    report.queued += 1
                    report.lines.append(
                        f"{user.email} ({user.role}): {email.subject!r} "
                        f"[{', '.join(email.sections)}]"
                    )
            session.rollback()
            return report
        session.commit()
        for user in users:
            if user.id in done:
                report.already += 1
                continue
            token, takeover = claim(session, user.id, iso_week, moment)
            if token is None:
                report.busy += 1
                continue
            outcome = deliver_to(app, session, user, iso_week, token, moment, links)
            if outcome == "busy":
                report.busy += 1
                continue
            if takeover:
                report.resumed += 1
            setattr(report, outcome, getattr(report, outcome) + 1)
    return report


def resume_current_week(
    app: Flask, session_factory: Callable[[], Session], now: datetime | None = None
) -> DigestReport | None:
    """Finish this week's run if it started and did not complete (process killed or
    restarted mid-send): runs only once the Monday run has claimed at least one user."""
    moment = now or utcnow()
    iso_week = current_week(app, moment)
    with session_factory() as session:
        started = session.scalar(
            select(DigestDelivery.id).where(DigestDelivery.iso_week == iso_week).limit(1)
        )
    if started is None:
        return None
    return send_weekly(app, session_factory, week=iso_week, now=moment)


def delivery_for(session: Session, user: User, iso_week: str) -> DigestDelivery | None:
    return session.scalar(
        select(DigestDelivery).where(
            DigestDelivery.user_id == user.id, DigestDelivery.iso_week == iso_week
        )
    )
