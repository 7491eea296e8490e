from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.factories import CreatorFactory, GrantFactory, ProductFactory
from tests.feedback.factories import FeedbackFactory


@pytest.fixture
def creator(db):
    row = CreatorFactory.build(display_name="Noor Haddad", search_name="noor haddad")
    db.add(row)
    db.flush()
    return row


@pytest.fixture
def product(db):
    row = ProductFactory.build(name="Lumen Video")
    db.add(row)
    db.flush()
    return row


@pytest.fixture
def make_creator(db):
    def make(**kwargs):
        row = CreatorFactory.build(**kwargs)
        db.add(row)
        db.flush()
        return row

    return make


@pytest.fixture
def make_product(db):
    def make(**kwargs):
        row = ProductFactory.build(**kwargs)
        db.add(row)
        db.flush()
        return row

    return make


@pytest.fixture
def make_grant(db):
    def make(creator, product, **kwargs):
        row = GrantFactory.build(creator_id=creator.id, product_id=product.id, **kwargs)
        db.add(row)
        db.flush()
        return row

    return make


@pytest.fixture
def make_note(db, creator, product):
    """A note inserted directly (no service), for lists and reports with known data."""

    def make(at: datetime | None = None, **kwargs):
        kwargs.setdefault("creator_id", creator.id)
        kwargs.setdefault("product_id", product.id)
        if at is not None:
            kwargs["created_at"] = at
        row = FeedbackFactory.build(**kwargs)
        db.add(row)
        db.flush()
        return row

    return make


def at(year, month, day, hour=12) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)
