from __future__ import annotations

from datetime import date

import pytest

from crm.audit.services import system_actor
from tests.factories import CreatorFactory, NdaFactory, ProductFactory

ACTOR = system_actor("test")


@pytest.fixture
def creator(db):
    c = CreatorFactory.build()
    db.add(c)
    db.flush()
    return c


@pytest.fixture
def product(db):
    p = ProductFactory.build(public_on=None)
    db.add(p)
    db.flush()
    return p


@pytest.fixture
def make_nda(db):
    def make(creator, products, effective_on=date(2026, 3, 1), expires_on=date(2026, 6, 30),
             status="signed"):  # fmt: skip
        nda = NdaFactory.build(
            creator_id=creator.id, products=list(products), effective_on=effective_on,
            expires_on=expires_on, status=status,
        )  # fmt: skip
        db.add(nda)
        db.flush()
        return nda

    return make
