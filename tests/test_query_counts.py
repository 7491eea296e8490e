"""Shared pages run the same number of SQL statements with little and with more data.

The creator page gathers a section and timeline entries from every domain, the home page a
panel from each, and every page counts the navigation badges: these tests fill each domain's
rows for one creator (or one team) and prove the statement count does not move."""

from __future__ import annotations

import re
from datetime import timedelta

from crm.db import utcnow
from crm.feedback.models import Feedback
from tests.factories import (
    AccountFactory,
    CreatorFactory,
    DealFactory,
    GrantFactory,
    NdaFactory,
    ProductFactory,
)
from tests.reminders.factories import ReminderFactory


def _creator(db, name, **fields):
    creator = CreatorFactory.build(display_name=name, **fields)
    creator.search_name = name.lower()
    db.add(creator)
    db.flush()
    return creator


def _agreements(db, creator, product, n, *, expires_in_days=300):
    today = utcnow().date()
    for _ in range(n):
        nda = NdaFactory.build(
            creator_id=creator.id,
            effective_on=today - timedelta(days=30),
            expires_on=today + timedelta(days=expires_in_days),
        )
        nda.products = [product]
        db.add(nda)
        db.flush()
        db.add(
            GrantFactory.build(
                creator_id=creator.id,
                product_id=product.id,
                nda_id=nda.id,
                starts_on=today - timedelta(days=30),
                ends_on=today + timedelta(days=expires_in_days),
            )
        )
        db.add(DealFactory.build(creator_id=creator.id))
    db.flush()


def _notes(db, creator, product, n, status="new"):
    for i in range(n):
        db.add(
            Feedback(
                creator_id=creator.id,
                product_id=product.id,
                category="bug",
                severity="low",
                title=f"Note {i}",
                status=status,
            )
        )
    db.flush()


def _header(db, creator, n, assignee):
    """Channels and open tasks: what the summary header above every tab shows."""
    today = utcnow().date()
    for i in range(n):
        AccountFactory(creator_id=creator.id, followers=100 + i)
        ReminderFactory(
            title=f"Task {i}",
            due_on=today + timedelta(days=i),
            creator_id=creator.id,
            assignee_id=assignee.id,
        )
    db.flush()


def _product(db):
    return ProductFactory()


def test_creator_page_statements_do_not_grow_with_any_domain(app, client, db, login, count_queries):
    admin = login("admin")
    product = _product(db)
    few = _creator(db, "Few Rows")
    _agreements(db, few, product, 1)
    _notes(db, few, product, 1)
    _header(db, few, 1, admin)
    many = _creator(db, "Many Rows")
    _agreements(db, many, product, 25)
    _notes(db, many, product, 25)
    _header(db, many, 6, admin)
    from crm.creators.views.base import creator_tabs

    with app.test_request_context():
        slugs = [t.slug for t in creator_tabs(admin)]
    seen = ""
    for slug in slugs:
        with count_queries() as a:
            assert client.get(f"/creators/{few.id}?tab={slug}").status_code == 200
        with count_queries() as b:
            response = client.get(f"/creators/{many.id}?tab={slug}")
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        seen += body
        # The summary header on every tab: channels with followers, the next thing due.
        assert "· 105" in body and "Task 0" in body.split("Next thing due", 1)[1], slug
        assert a.count == b.count, (slug, a.statements, b.statements)
        # Before the page had tabs: 27 statements for everything at once (40 before that).
        assert b.count <= 12, (slug, b.statements)
    assert "Note 24" in seen


def test_navigation_badges_are_counted_in_one_statement(client, db, login, count_queries):
    login("admin")
    product = _product(db)
    creator = _creator(db, "Badge Source")
    # The profile page: it counts nothing of its own (a list's "42 creators" would be a
    # count(*) of the page, not of the navigation).
    with count_queries() as empty:
        assert client.get("/profile").status_code == 200
    _notes(db, creator, product, 3)
    _agreements(db, creator, product, 2, expires_in_days=3)  # 2 NDAs + 2 grants this week
    with count_queries() as busy:
        page = client.get("/profile").get_data(as_text=True)
    assert re.search(r'href="/feedback/">Feedback\s*<span class="badge[^"]*">3<', page)
    assert re.search(r'href="/agreements/">Agreements\s*<span class="badge[^"]*">4<', page)
    assert busy.count == empty.count
    counting = [s for s in busy.statements if "count(*)" in s.lower()]
    assert len(counting) == 1, counting


def test_home_dashboard_statements_do_not_grow(client, db, login, count_queries):
    login("admin")
    product = _product(db)
    first = _creator(db, "First Creator")
    _agreements(db, first, product, 1, expires_in_days=10)
    _notes(db, first, product, 1)
    with count_queries() as few:
        assert client.get("/").status_code == 200
    for i in range(15):
        other = _creator(db, f"Other {i:02d}")
        _agreements(db, other, product, 2, expires_in_days=10)
        _notes(db, other, product, 2)
    with count_queries() as many:
        assert client.get("/").status_code == 200
    assert few.count == many.count, (few.statements, many.statements)


# --------------------------------------------------------------------------- every page ≤ 12

MAX_STATEMENTS = 12


def _busy_world(db, world):
    """One creator with rows in every domain (NDAs with products, grants, deals with
    payments, submissions with decisions, feedback, channels with snapshots, works, consents,
    a licence with a paid payout, tasks, interactions, representatives), and others."""
    from datetime import date

    from crm.licensing.models import Licence, Payout
    from crm.metrics.services import SnapshotRow, upsert_rows
    from tests.creators.factories import InteractionFactory, RepresentativeFactory
    from tests.factories import AccountFactory
    from tests.licensing.factories import ConsentFactory, WorkFactory
    from tests.reminders.factories import PaymentFactory, ReminderFactory

    today = utcnow().date()
    product = world.nova
    busy = world.creator
    busy.display_name, busy.search_name = "Busy Bee Studio", "busy bee studio"
    _agreements(db, busy, product, 3, expires_in_days=10)
    for deal in busy_deals(db, busy):
        PaymentFactory(deal_id=deal.id, due_on=today + timedelta(days=5))
    _notes(db, busy, product, 4)
    accounts = [
        AccountFactory(creator_id=busy.id, platform=p, handle=f"@busy{p}", handle_key=f"busy{p}")
        for p in ("youtube", "tiktok")
    ]
    upsert_rows(
        db,
        [
            SnapshotRow(a.id, today - timedelta(days=d), 1000 + 37 * d * (i + 1), None, None)
            for i, a in enumerate(accounts)
            for d in range(0, 40, 3)
        ],
        "import",
    )
    for _ in range(3):
        InteractionFactory(creator_id=busy.id, user_id=world.manager.id)
    RepresentativeFactory(creator_id=busy.id)
    ReminderFactory(creator_id=busy.id, assignee_id=world.admin.id, due_on=today)
    works = [WorkFactory(creator_id=busy.id) for _ in range(3)]
    ConsentFactory(creator_id=busy.id, work_id=works[0].id)
    ConsentFactory(creator_id=busy.id, work_id=None)
    licence = Licence(
        creator_id=busy.id,
        title="Busy licence",
        uses=["ai_training"],
        fee_model="flat",
        rate_minor=1000,
        currency="EUR",
        starts_on=date(2025, 1, 1),
    )
    db.add(licence)
    db.flush()
    db.add(
        Payout(
            licence_id=licence.id,
            period="2025-01",
            period_start=date(2025, 1, 1),
            period_end=date(2025, 1, 31),
            works_count=3,
            amount_minor=500,
            currency="EUR",
            paid_on=date(2025, 2, 1),
        )
    )
    submissions = [world.submission(title=f"Post {i}") for i in range(3)]
    world.submission(state="approved", title="Approved post")
    for i in range(5):
        _creator(db, f"Other Creator {i:02d}", owner_id=world.admin.id)
    db.flush()
    return busy, product, submissions


def busy_deals(db, creator):
    from sqlalchemy import select

    from crm.agreements.models import Deal

    return list(db.scalars(select(Deal).where(Deal.creator_id == creator.id)))


def test_every_benchmark_page_runs_at_most_twelve_statements(app, client, db, count_queries, api):
    from flask import url_for

    from crm.common.pagination import encode_cursor
    from crm.creators.views.base import creator_tabs
    from tests.approvals.conftest import World
    from tests.conftest import log_in

    world = World(db)
    busy, product, submissions = _busy_world(db, world)
    log_in(client, world.admin)
    _user, headers = api("admin")
    with app.test_request_context():
        tabs = [
            url_for("creators.detail", creator_id=busy.id, tab=t.slug)
            for t in creator_tabs(world.admin)
        ]
    pages = {
        "creator list": "/creators/",
        "creator list, filtered": "/creators/?status=active&platform=youtube&country=US"
        "&sort=followers&owner=any",
        "creator list, searched": "/creators/?q=busy&owner=any",
        "creator list, deep cursor": "/creators/?owner=any&cursor="
        + encode_cursor(["other creator 02", 0]),
        "creator page": f"/creators/{busy.id}",
        **{f"creator page, tab {url.rsplit('=', 1)[-1]}": url for url in tabs},
        "review queue": "/review/",
        "review page": f"/review/{submissions[-1].id}",
        "agreements expiring": "/agreements/",
        "feedback report": f"/feedback/products/{product.id}/report",
        "home dashboard": "/",
        "api creators": "/api/v1/creators",
        "api submissions": "/api/v1/submissions",
    }
    over = {}
    for name, url in pages.items():
        kwargs = {"headers": headers} if url.startswith("/api/") else {}
        with count_queries() as counter:
            response = client.get(url, **kwargs)
        assert response.status_code == 200, (name, response.status_code)
        if counter.count > MAX_STATEMENTS:
            over[name] = counter.statements
    assert not over, "\n".join(
        f"{name}: {s[:100]!r}" for name, stmts in over.items() for s in stmts
    )
    assert len(tabs) >= 5
