from __future__ import annotations

import pytest

from tests.licensing.factories import ConsentFactory, WorkFactory


@pytest.fixture
def make_work(db):
    def make(creator, **kwargs):
        return WorkFactory(creator_id=creator.id, **kwargs)

    return make


@pytest.fixture
def make_consent(db):
    """`make_consent(creator, work=..., kind=..., decision=..., use=..., effective_on=...)`."""

    def make(creator, work=None, **kwargs):
        return ConsentFactory(creator_id=creator.id, work_id=work.id if work else None, **kwargs)

    return make
