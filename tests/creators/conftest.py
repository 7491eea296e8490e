from __future__ import annotations

import pytest

from tests.factories import AccountFactory, CreatorFactory


@pytest.fixture
def make_creator(db):
    """`make_creator(owner=user, accounts=[("youtube", "handle")], tags=["a"], **fields)`."""
    from crm.creators.models import CreatorTag

    def make(owner=None, accounts=(), tags=(), **fields):
        creator = CreatorFactory.build(owner_id=owner.id if owner else None, **fields)
        creator.search_name = creator.display_name.lower()
        creator.tags = [CreatorTag(tag=t) for t in tags]
        db.add(creator)
        db.flush()
        for platform, handle in accounts:
            db.add(
                AccountFactory.build(
                    creator_id=creator.id,
                    platform=platform,
                    handle=handle,
                    handle_key=handle.lstrip("@").lower(),
                )
            )
        db.flush()
        return creator

    return make
