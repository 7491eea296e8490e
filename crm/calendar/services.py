"""The launch calendar: what falls on which day, and each user's calendar as an iCalendar feed.

Events come from the domains below: planned posts (submissions), embargo dates (products'
`public_on`), NDA ends, grant ends and payments due. Every query is bounded by its date range
and `EVENT_LIMIT`; archived creators are left out. A viewer never gets an amount.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from icalendar import Calendar, Event
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from crm.agreements.models import Deal, Grant, Nda, Payment, Product, deal_grants, nda_products
from crm.approvals.models import Revision, RevisionProduct, Submission
from crm.audit.services import record
from crm.auth.models import User
from crm.calendar.models import CalendarFeed
from crm.common.actor import Actor
from crm.common.errors import NotFound
from crm.common.money import format_money
from crm.common.permissions import can_see_money
from crm.common.timeutil import zone
from crm.creators.models import Creator
from crm.db import utcnow

KINDS = ("post", "embargo", "nda_end", "grant_end", "payment_due")
KIND_LABELS = {
    "post": "Planned post",
    "embargo": "Embargo lifts",
    "nda_end": "NDA ends",
    "grant_end": "Grant ends",
    "payment_due": "Payment due",
}
# Posts that will not go out are not on the calendar.
POST_STATUSES = ("draft", "in_review", "changes_requested", "approved", "published")
EVENT_LIMIT = 500  # per kind and range
FEED_PAST_DAYS = 31
FEED_FUTURE_DAYS = 366
PRODID = "-//Creator Relations CRM//Launch calendar//EN"


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    kind: str
    day: date  # in the user's zone for timed events
    title: str
    at: datetime | None = None  # aware UTC, for timed events (planned posts)
    detail: str = ""
    endpoint: str | None = None
    values: tuple[tuple[str, int], ...] = ()

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def summary(self) -> str:
        return f"{self.label}: {self.title}"


@dataclass(frozen=True)
class Filters:
    owner_id: int | None = None
    product_id: int | None = None


def _creator_ok(filters: Filters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [Creator.archived.is_(False)]
    if filters.owner_id is not None:
        conditions.append(Creator.owner_id == filters.owner_id)
    return conditions


def _posts(session: Session, start: date, end: date, filters: Filters, tz: str) -> list:
    user_zone = zone(tz)
    # The range is in the user's zone; widen by a day each side and cut after localising.
    lo = datetime.combine(start - timedelta(days=1), time(), UTC)
    hi = datetime.combine(end + timedelta(days=2), time(), UTC)
    stmt = (
        select(Submission.id, Submission.title, Submission.planned_for, Creator.display_name)
        .join(Creator, Creator.id == Submission.creator_id)
        .where(
            Submission.planned_for >= lo,
            Submission.planned_for < hi,
            Submission.status.in_(POST_STATUSES),
            *_creator_ok(filters),
        )
        .order_by(Submission.planned_for, Submission.id)
        .limit(EVENT_LIMIT)
    )
    if filters.product_id is not None:
        named = (
            select(Revision.submission_id)
            .join(RevisionProduct, RevisionProduct.revision_id == Revision.id)
            .where(
                RevisionProduct.product_id == filters.product_id,
                Revision.submission_id == Submission.id,
                Revision.number == Submission.latest_revision,
            )
            .exists()
        )
        stmt = stmt.where(named)
    out = []
    for sub_id, title, planned_for, creator_name in session.execute(stmt):
        at = planned_for if planned_for.tzinfo else planned_for.replace(tzinfo=UTC)
        day = at.astimezone(user_zone).date()
        if start <= day <= end:
            out.append(
                CalendarEvent(
                    uid=f"submission-{sub_id}",
                    kind="post",
                    day=day,
                    at=at.astimezone(UTC),
                    title=f"{title} ({creator_name})",
                    endpoint="approvals.detail",
                    values=(("submission_id", sub_id),),
                )
            )
    return out


def _embargoes(session: Session, start: date, end: date, filters: Filters) -> list:
    stmt = (
        select(Product.id, Product.name, Product.public_on)
        .where(Product.public_on >= start, Product.public_on <= end)
        .order_by(Product.public_on, Product.id)
        .limit(EVENT_LIMIT)
    )
    if filters.product_id is not None:
        stmt = stmt.where(Product.id == filters.product_id)
    return [
        CalendarEvent(uid=f"product-{pid}-public", kind="embargo", day=day, title=name)
        for pid, name, day in session.execute(stmt)
        if day is not None
    ]


def _nda_ends(session: Session, start: date, end: date, filters: Filters) -> list:
    stmt = (
        select(Nda.id, Nda.expires_on, Creator.display_name)
        .join(Creator, Creator.id == Nda.creator_id)
        .where(
            Nda.status == "signed",
            Nda.expires_on >= start,
            Nda.expires_on <= end,
            *_creator_ok(filters),
        )
        .order_by(Nda.expires_on, Nda.id)
        .limit(EVENT_LIMIT)
    )
    if filters.product_id is not None:
        covers = (
            select(nda_products.c.nda_id)
            .where(
                nda_products.c.nda_id == Nda.id,
                nda_products.c.product_id == filters.product_id,
            )
            .exists()
        )
        stmt = stmt.where(covers)
    return [
        CalendarEvent(
            uid=f"nda-{nda_id}-end",
            kind="nda_end",
            day=day,
            title=f"NDA #{nda_id} ({name})",
            endpoint="agreements.nda_detail",
            values=(("nda_id", nda_id),),
        )
        for nda_id, day, name in session.execute(stmt)
        if day is not None
    ]


def _grant_ends(session: Session, start: date, end: date, filters: Filters) -> list:
    stmt = (
        select(Grant.id, Grant.ends_on, Product.name, Creator.display_name)
        .join(Creator, Creator.id == Grant.creator_id)
        .join(Product, Product.id == Grant.product_id)
        .where(
            Grant.status == "active",
            Grant.ends_on >= start,
            Grant.ends_on <= end,
            *_creator_ok(filters),
        )
        .order_by(Grant.ends_on, Grant.id)
        .limit(EVENT_LIMIT)
    )
    if filters.product_id is not None:
        stmt = stmt.where(Grant.product_id == filters.product_id)
    return [
        CalendarEvent(
            uid=f"grant-{grant_id}-end",
            kind="grant_end",
            day=day,
            title=f"{product} for {name}",
            endpoint="agreements.grant_detail",
            values=(("grant_id", grant_id),),
        )
        for grant_id, day, product, name in session.execute(stmt)
    ]


def _payments(session: Session, start: date, end: date, filters: Filters, money: bool) -> list:
    stmt = (
        select(
            Payment.id,
            Payment.due_on,
            Payment.amount_minor,
            Payment.currency,
            Deal.id,
            Deal.title,
            Creator.display_name,
        )
        .join(Deal, Deal.id == Payment.deal_id)
        .join(Creator, Creator.id == Deal.creator_id)
        .where(
            Payment.paid_on.is_(None),
            Payment.voided_at.is_(None),  # entered by mistake: nothing is due
            Payment.due_on >= start,
            Payment.due_on <= end,
            *_creator_ok(filters),
        )
        .order_by(Payment.due_on, Payment.id)
        .limit(EVENT_LIMIT)
    )
    if filters.product_id is not None:
        for_product = (
            select(deal_grants.c.deal_id)
            .join(Grant, Grant.id == deal_grants.c.grant_id)
            .where(deal_grants.c.deal_id == Deal.id, Grant.product_id == filters.product_id)
            .exists()
        )
        stmt = stmt.where(for_product)
    return [
        CalendarEvent(
            uid=f"payment-{pay_id}-due",
            kind="payment_due",
            day=day,
            title=f"{title} ({name})",
            detail=format_money(amount, currency) if money else "",
            endpoint="agreements.deal_detail",
            values=(("deal_id", deal_id),),
        )
        for pay_id, day, amount, currency, deal_id, title, name in session.execute(stmt)
    ]


def events(
    session: Session, user: User, start: date, end: date, filters: Filters | None = None
) -> list[CalendarEvent]:
    """Every event from `start` to `end` (inclusive) as `user` may see it, by day and time."""
    filters = filters or Filters()
    found: list[CalendarEvent] = []
    found += _posts(session, start, end, filters, user.timezone)
    found += _embargoes(session, start, end, filters)
    found += _nda_ends(session, start, end, filters)
    found += _grant_ends(session, start, end, filters)
    found += _payments(session, start, end, filters, can_see_money(user))
    kind_order = {k: i for i, k in enumerate(KINDS)}
    return sorted(
        found,
        key=lambda e: (e.day, e.at or datetime.min.replace(tzinfo=UTC), kind_order[e.kind], e.uid),
    )


def by_day(items: Iterable[CalendarEvent]) -> dict[date, list[CalendarEvent]]:
    out: dict[date, list[CalendarEvent]] = {}
    for item in items:
        out.setdefault(item.day, []).append(item)
    return out


# ---------------------------------------------------------------------------------------
# The feed's secret URL


def _signature(user_id: int, version: int, key: str) -> str:
    message = f"calendar-feed:{user_id}:{version}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()[:40]


def _keys() -> list[str]:
    config = current_app.config
    return [config["SECRET_KEY"], *config.get("SECRET_KEY_FALLBACKS", ())]


def _version(session: Session, user_id: int) -> int:
    feed = session.get(CalendarFeed, user_id)
    return feed.version if feed is not None else 0


def feed_secret(session: Session, user: User) -> str:
    return f"{user.id}-{_signature(user.id, _version(session, user.id), _keys()[0])}"


def base_url() -> str:
    return str(current_app.config.get("CRM_BASE_URL") or "").rstrip("/")


def feed_url(session: Session, user: User) -> str:
    return f"{base_url()}/calendar/feed/{feed_secret(session, user)}.ics"


def user_for_secret(session: Session, secret: str) -> User:
    """The active user whose feed this is; NotFound for anything else (a reset URL too)."""
    head, _, signature = secret.partition("-")
    if not head.isdigit() or len(head) > 12 or not signature:
        raise NotFound("No such calendar.")
    user = session.get(User, int(head))
    if user is None or not user.active:
        raise NotFound("No such calendar.")
    version = _version(session, user.id)
    for key in _keys():
        if hmac.compare_digest(_signature(user.id, version, key), signature):
            return user
    raise NotFound("No such calendar.")


def reset_feed(session: Session, actor: Actor, user: User) -> str:
    """A new secret URL for `user`'s feed; the old one stops working at once."""
    feed = session.get(CalendarFeed, user.id)
    if feed is None:
        feed = CalendarFeed(user_id=user.id, version=0)
        session.add(feed)
    feed.version += 1
    feed.reset_at = utcnow()
    record(session, actor, "calendar.feed_reset", "user", user.id, {"version": feed.version})
    session.flush()
    return feed_secret(session, user)


def feed_window(today: date) -> tuple[date, date]:
    return today - timedelta(days=FEED_PAST_DAYS), today + timedelta(days=FEED_FUTURE_DAYS)


def to_ical(items: Iterable[CalendarEvent], urls: dict[str, str], name: str) -> bytes:
    """An RFC 5545 VCALENDAR of the events: all-day events for dates, timed ones for posts."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    stamp = utcnow().replace(microsecond=0)
    host = "crm"
    for item in items:
        ev = Event()
        ev.add("uid", f"{item.uid}@{host}")
        ev.add("dtstamp", stamp)
        ev.add("summary", item.summary)
        ev.add("categories", [item.kind])
        if item.at is not None:
            ev.add("dtstart", item.at.replace(microsecond=0))
            ev.add("dtend", item.at.replace(microsecond=0) + timedelta(minutes=30))
        else:
            ev.add("dtstart", item.day)
            ev.add("dtend", item.day + timedelta(days=1))
        if item.detail:
            ev.add("description", item.detail)
        url = urls.get(item.uid)
        if url:
            ev.add("url", url)
        cal.add_component(ev)
    return cal.to_ical()
