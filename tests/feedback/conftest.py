from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.feedback.factories import FeedbackFactory


@pytest.fixture
def creator(make_creator):
    return make_creator(display_name="Noor Haddad", search_name="noor haddad")


@pytest.fixture
def product(make_product):
    return make_product(name="Lumen Video")


@pytest.fixture
def make_note(db, creator, product):
    """A note inserted directly (no service), for lists and reports with known data."""

    def make(at: datetime | None = None, **kwargs):
        kwargs.setdefault("creator_id", creator.id)
        kwargs.setdefault("product_id", product.id)
        if at is not None:
            kwargs["created_at"] = at
        return FeedbackFactory(**kwargs)

    return make


def at(year, month, day, hour=12) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)
