"""Shared pages run the same number of SQL statements with little and with more data.

The creator page gathers a section and timeline entries from every domain, the home page a
panel from each, and every page counts the navigation badges: these tests fill each domain's
rows for one creator (or one team) and prove the statement count does not move."""

from __future__ import annotations

import re
from datetime import timedelta

from crm.db import utcnow
from crm.feedback.models import Feedback
from tests.factories import CreatorFactory, DealFactory, GrantFactory, NdaFactory, ProductFactory


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


def _product(db):
    return ProductFactory()


def test_creator_page_statements_do_not_grow_with_any_domain(client, db, login, count_queries):
    login("admin")
    product = _product(db)
    few = _creator(db, "Few Rows")
    _agreements(db, few, product, 1)
    _notes(db, few, product, 1)
    many = _creator(db, "Many Rows")
    _agreements(db, many, product, 25)
    _notes(db, many, product, 25)
    with count_queries() as a:
        assert client.get(f"/creators/{few.id}").status_code == 200
    with count_queries() as b:
        response = client.get(f"/creators/{many.id}")
    assert response.status_code == 200 and "Note 24" in response.get_data(as_text=True)
    assert a.count == b.count, (a.statements, b.statements)
    # Before the sections shared their rows and the badges were counted together: 40. The
    # custom fields' section adds one (the definitions); the creator portal's section (who has
    # access) and its timeline add one each.
    assert b.count <= 31, b.statements


def test_navigation_badges_are_counted_in_one_statement(client, db, login, count_queries):
    login("admin")
    product = _product(db)
    creator = _creator(db, "Badge Source")
    with count_queries() as empty:
        assert client.get("/creators/").status_code == 200
    _notes(db, creator, product, 3)
    _agreements(db, creator, product, 2, expires_in_days=3)  # 2 NDAs + 2 grants this week
    with count_queries() as busy:
        page = client.get("/creators/").get_data(as_text=True)
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
