from __future__ import annotations

from datetime import date

import pytest

from crm.audit.services import system_actor
from tests.factories import NdaFactory

ACTOR = system_actor("test")


@pytest.fixture
def make_nda(db):
    def make(creator, products, effective_on=date(2026, 3, 1), expires_on=date(2026, 6, 30),
             status="signed"):  # fmt: skip
        return NdaFactory(
            creator_id=creator.id, products=list(products), effective_on=effective_on,
            expires_on=expires_on, status=status,
        )  # fmt: skip

    return make
