"""The launch calendar: the page's events, the iCalendar feed (parsed with `icalendar`), the
filters, the secret URL and its reset, and what a viewer does not get."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from crm.agreements.models import Payment
from crm.approvals import services as approvals
from crm.approvals.services import RevisionInput
from crm.audit.models import AuditEvent
from crm.common.money import format_money
from crm.common.timeutil import org_today
from tests.conftest import log_in, post_form
from tests.factories import CreatorFactory, DealFactory, GrantFactory, NdaFactory, UserFactory

EVENT_RE = re.compile(r'data-event-uid="([^"]+)" data-kind="[^"]+" data-day="([^"]+)"')
FEED_RE = re.compile(r'value="(http[^"]+/calendar/feed/[^"]+\.ics)"')


def _month_ahead() -> date:
    """The first of a month two months from now: inside the feed's window."""
    day = org_today() + timedelta(days=62)
    return day.replace(day=1)


class Plan:
    def __init__(self, db, make_product):
        self.db = db
        self.month = _month_ahead()
        m = self.month
        self.owner = UserFactory(role="manager", name="Owner One")
        self.other = UserFactory(role="manager", name="Owner Two")
        self.creator = CreatorFactory(owner_id=self.owner.id, display_name="Maya")
        self.other_creator = CreatorFactory(owner_id=self.other.id, display_name="Noor")
        self.gone = CreatorFactory(owner_id=self.owner.id, archived=True, display_name="Gone")
        self.zephyr = make_product(name="Zephyr", public_on=m + timedelta(days=9))
        self.nova = make_product(name="Nova", public_on=None)
        self.nda = NdaFactory(creator_id=self.creator.id, expires_on=m + timedelta(days=14))
        self.nda.products = [self.zephyr]
        self.grant = GrantFactory(
            creator_id=self.creator.id,
            product_id=self.zephyr.id,
            nda_id=self.nda.id,
            starts_on=m - timedelta(days=30),
            ends_on=m + timedelta(days=11),
        )
        self.deal = DealFactory(creator_id=self.creator.id, title="Launch video")
        self.deal.grants = [self.grant]
        self.payment = Payment(
            deal_id=self.deal.id, due_on=m + timedelta(days=4), amount_minor=123456, currency="USD"
        )
        db.add(self.payment)
        # The other owner's creator: a grant ending, for another product.
        self.other_grant = GrantFactory(
            creator_id=self.other_creator.id,
            product_id=self.nova.id,
            starts_on=m - timedelta(days=30),
            ends_on=m + timedelta(days=5),
        )
        # An archived creator's grant is not on the calendar.
        GrantFactory(
            creator_id=self.gone.id,
            product_id=self.nova.id,
            starts_on=m - timedelta(days=30),
            ends_on=m + timedelta(days=6),
        )
        db.flush()
        self.post = approvals.create_submission(
            db,
            self.owner,
            creator_id=self.creator.id,
            platform="instagram",
            title="Zephyr first look",
            planned_for=datetime.combine(m + timedelta(days=2), datetime.min.time(), UTC)
            + timedelta(hours=15),
            revision=RevisionInput(body="#ad My first look at Zephyr"),
            submit=True,
            today=org_today(),
        )
        db.flush()

    @property
    def amount(self) -> str:
        return format_money(123456, "USD")


@pytest.fixture
def plan(db, make_product):
    return Plan(db, make_product)


def _page_events(client, **args) -> tuple[set[tuple[str, str]], str]:
    response = client.get("/calendar/", query_string=args)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    html = response.get_data(as_text=True)
    return set(EVENT_RE.findall(html)), html


def _feed_events(client, url: str, start: date, end: date) -> tuple[set[tuple[str, str]], bytes]:
    path = url.split("://", 1)[1].split("/", 1)[1]
    response = client.get("/" + path)
    assert response.status_code == 200
    assert response.content_type == "text/calendar; charset=utf-8"
    cal = Calendar.from_ical(response.data)
    assert str(cal["version"]) == "2.0"
    found = set()
    for ev in cal.walk("VEVENT"):
        start_value = ev.decoded("dtstart")
        day = start_value.date() if isinstance(start_value, datetime) else start_value
        if start <= day <= end:
            found.add((str(ev["uid"]).split("@", 1)[0], day.isoformat()))
    return found, response.data


def _grid(month: date) -> tuple[date, date]:
    start = month - timedelta(days=month.weekday())
    nxt = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    last = nxt - timedelta(days=1)
    return start, last + timedelta(days=6 - last.weekday())


def test_the_feed_parses_and_matches_the_month_page(client, plan):
    log_in(client, plan.owner)
    on = plan.month.isoformat()
    page, html = _page_events(client, on=on)
    m = plan.month
    expected = {
        (f"submission-{plan.post.id}", (m + timedelta(days=2)).isoformat()),
        (f"product-{plan.zephyr.id}-public", (m + timedelta(days=9)).isoformat()),
        (f"nda-{plan.nda.id}-end", (m + timedelta(days=14)).isoformat()),
        (f"grant-{plan.grant.id}-end", (m + timedelta(days=11)).isoformat()),
        (f"grant-{plan.other_grant.id}-end", (m + timedelta(days=5)).isoformat()),
        (f"payment-{plan.payment.id}-due", (m + timedelta(days=4)).isoformat()),
    }
    assert page == expected
    assert plan.amount in html
    feed_url = FEED_RE.search(html).group(1)
    feed, body = _feed_events(client, feed_url, *_grid(plan.month))
    assert feed == page
    descriptions = [
        str(ev.get("description", "")) for ev in Calendar.from_ical(body).walk("VEVENT")
    ]
    assert plan.amount in descriptions
    assert b"URL:http://crm.test/agreements/ndas/" in body
    # The feed needs no session: a calendar app fetches it with the URL alone.
    client.get("/logout")
    anonymous = client.application.test_client()
    assert _feed_events(anonymous, feed_url, *_grid(plan.month))[0] == page


def test_week_view_and_filters(client, plan):
    log_in(client, plan.owner)
    m = plan.month
    week_of = m + timedelta(days=4)
    page, _ = _page_events(client, view="week", on=week_of.isoformat())
    start = week_of - timedelta(days=week_of.weekday())
    assert page and all(
        start.isoformat() <= day <= (start + timedelta(days=6)).isoformat() for _uid, day in page
    )
    mine, _ = _page_events(client, on=m.isoformat(), owner_id=plan.owner.id)
    assert f"grant-{plan.other_grant.id}-end" not in {uid for uid, _ in mine}
    assert f"grant-{plan.grant.id}-end" in {uid for uid, _ in mine}
    nova, _ = _page_events(client, on=m.isoformat(), product_id=plan.nova.id)
    assert {uid for uid, _ in nova} == {f"grant-{plan.other_grant.id}-end"}
    zephyr, _ = _page_events(client, on=m.isoformat(), product_id=plan.zephyr.id)
    assert {uid for uid, _ in zephyr} == {
        f"submission-{plan.post.id}",
        f"product-{plan.zephyr.id}-public",
        f"nda-{plan.nda.id}-end",
        f"grant-{plan.grant.id}-end",
        f"payment-{plan.payment.id}-due",
    }


def test_a_viewer_gets_no_money_on_the_page_or_the_feed(client, plan, make_user):
    viewer = make_user("viewer")
    log_in(client, viewer)
    page, html = _page_events(client, on=plan.month.isoformat())
    assert (f"payment-{plan.payment.id}-due", (plan.month + timedelta(days=4)).isoformat()) in page
    assert plan.amount not in html and "1234.56" not in html and "1,234" not in html
    feed, body = _feed_events(client, FEED_RE.search(html).group(1), *_grid(plan.month))
    assert feed == page
    text = Calendar.from_ical(body).to_ical().decode()
    assert plan.amount not in text and "1234" not in text and "USD" not in text


def test_resetting_the_feed_kills_the_old_url(client, plan, db, api):
    log_in(client, plan.owner)
    _, html = _page_events(client, on=plan.month.isoformat())
    old = FEED_RE.search(html).group(1)
    response = post_form(client, "/calendar/feed/reset")
    assert response.status_code == 302
    _, html = _page_events(client, on=plan.month.isoformat())
    new = FEED_RE.search(html).group(1)
    assert new != old
    assert client.get("/" + old.split("/", 3)[3]).status_code == 404
    assert client.get("/" + new.split("/", 3)[3]).status_code == 200
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "calendar.feed_reset")).all()
    assert [(e.entity, e.entity_id) for e in events] == [("user", str(plan.owner.id))]


def test_the_api_me_carries_the_feed_url(client, plan, api):
    _user, headers = api("legal")
    body = client.get("/api/v1/me", headers=headers).get_json()
    url = body["calendar_feed_url"]
    assert url.startswith("http://crm.test/calendar/feed/") and url.endswith(".ics")
    assert client.get("/" + url.split("/", 3)[3]).status_code == 200


def test_a_deactivated_users_feed_is_gone(client, plan, db, api):
    user, headers = api("manager")
    url = client.get("/api/v1/me", headers=headers).get_json()["calendar_feed_url"]
    user.active = False
    db.flush()
    assert client.get("/" + url.split("/", 3)[3]).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/calendar/feed/x.ics",
        "/calendar/feed/1-abc.ics",
        "/calendar/feed/99999999999999999999-abc.ics",
        "/calendar/feed/-.ics",
    ],
)
def test_unknown_feed_secrets_are_404(client, plan, path):
    assert client.get(path).status_code == 404


def test_another_users_id_with_my_signature_is_404(client, plan, api):
    _user, headers = api("manager")
    url = client.get("/api/v1/me", headers=headers).get_json()["calendar_feed_url"]
    secret = url.rsplit("/", 1)[1]
    forged = f"{plan.owner.id}-{secret.split('-', 1)[1]}"
    assert client.get(f"/calendar/feed/{forged}").status_code == 404


@pytest.mark.parametrize(
    "args",
    [
        {"on": "2026-13-01"},
        {"on": "yesterday"},
        {"view": "year"},
        {"owner_id": "abc"},
        {"product_id": "-1"},
        {"owner_id": "9" * 30},
        {"on": "0001-01-01"},
    ],
)
def test_malformed_calendar_arguments_are_400(client, plan, args):
    log_in(client, plan.owner)
    assert client.get("/calendar/", query_string=args).status_code == 400


def test_reset_needs_a_csrf_token(client, plan):
    log_in(client, plan.owner)
    assert client.post("/calendar/feed/reset").status_code == 400


def test_a_voided_payment_is_not_due(client, db, plan):
    from crm.agreements.services import deals

    log_in(client, plan.owner)
    uid = f"payment-{plan.payment.id}-due"
    page, _html = _page_events(client, on=plan.month.isoformat())
    assert uid in {u for u, _day in page}
    deals.void_payment(db, plan.owner, plan.payment, reason="entered twice")
    db.flush()
    page, _html = _page_events(client, on=plan.month.isoformat())
    assert uid not in {u for u, _day in page}
