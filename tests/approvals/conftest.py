"""Approvals fixtures: people, a creator with a deal, products, and submissions in any state."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from crm.approvals import services
from crm.approvals.services import RevisionInput
from tests.factories import CreatorFactory, ProductFactory, UserFactory

TODAY = date(2026, 3, 10)
PLANNED = datetime(2026, 3, 20, 15, 0, tzinfo=UTC)


class World:
    def __init__(self, db):
        self.db = db
        self.manager = UserFactory(role="manager")
        self.legal = UserFactory(role="legal")
        self.legal2 = UserFactory(role="legal")
        self.admin = UserFactory(role="admin")
        self.creator = CreatorFactory()
        # Released before TODAY; tests move its date later.
        self.nova = ProductFactory(name="Nova Pro", aliases=["Nova"], public_on=date(2026, 1, 1))
        self.secret = ProductFactory(name="Zephyr", aliases=["ZP-9"], public_on=None)

    def submission(self, state="in_review", body="#ad Hello from my studio", **kwargs):
        """A submission brought to `state` through the services (the real path)."""
        db = self.db
        sub = services.create_submission(
            db,
            kwargs.pop("actor", self.manager),
            creator_id=kwargs.pop("creator_id", self.creator.id),
            platform=kwargs.pop("platform", "instagram"),
            title=kwargs.pop("title", "A post"),
            planned_for=kwargs.pop("planned_for", PLANNED),
            is_video=kwargs.pop("is_video", False),
            deal_id=kwargs.pop("deal_id", None),
            audience_countries=kwargs.pop("audience_countries", None),
            revision=RevisionInput(body=body, **kwargs),
            submit=state != "draft",
            today=TODAY,
        )
        if state in ("draft", "in_review"):
            return sub
        if state == "withdrawn":
            services.withdraw(db, self.manager, sub)
            return sub
        decision = {"changes_requested": "request_changes", "rejected": "reject"}.get(
            state, "approve"
        )
        services.decide(db, self.legal, sub.id, sub.latest_revision, decision, "Because.")
        if state == "published":
            services.publish(db, self.manager, sub, "https://example.com/p/1", today=TODAY)
        return sub


@pytest.fixture
def world(db):
    return World(db)
