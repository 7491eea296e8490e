from __future__ import annotations

import pytest

from tests.factories import CreatorFactory
from tests.licensing.factories import ConsentFactory, WorkFactory


@pytest.fixture
def make_creator(db):
    def make(**kwargs):
        creator = CreatorFactory.build(**kwargs)
        db.add(creator)
        db.flush()
        return creator

    return make


@pytest.fixture
def make_work(db):
    def make(creator, **kwargs):
        work = WorkFactory.build(creator_id=creator.id, **kwargs)
        db.add(work)
        db.flush()
        return work

    return make


@pytest.fixture
def make_consent(db):
    """`make_consent(creator, work=..., kind=..., decision=..., use=..., effective_on=...)`."""

    def make(creator, work=None, **kwargs):
        consent = ConsentFactory.build(
            creator_id=creator.id, work_id=work.id if work else None, **kwargs
        )
        db.add(consent)
        db.flush()
        return consent

    return make
