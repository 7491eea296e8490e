"""Feedback: what creators report about the models, triaged and counted for product teams."""

from __future__ import annotations

from flask import Flask

from crm.common.clearance import ClearanceRule
from crm.common.permissions import ALL_ROLES, EDITORS
from crm.common.registry import (
    CreatorSection,
    DemoLoader,
    HomePanel,
    NavItem,
    TimelineProvider,
    registry,
)


def _badge(user):
    """New notes nobody has triaged yet, for the people who triage."""
    if user.role not in EDITORS:
        return None
    from crm.feedback.services import count_new_stmt

    return count_new_stmt()


def register(app: Flask) -> None:
    from crm.audit.models import AuditEvent
    from crm.feedback import api, demo, digest, hooks, views
    from crm.feedback.models import Feedback

    app.register_blueprint(views.bp)
    reg = registry(app)
    reg.api_routes.extend(api.routes)
    # Feedback on a product the user is not cleared for does not exist for them.
    reg.clearance_rules.append(ClearanceRule(Feedback, _visible_feedback))
    reg.clearance_rules.append(ClearanceRule(AuditEvent, _visible_feedback_audit))
    reg.nav.append(NavItem("feedback.index", "Feedback", ALL_ROLES, order=40, count=_badge))
    reg.home_panels.append(
        HomePanel("feedback/_home_panel.html", hooks.home_panel, ALL_ROLES, order=40)
    )
    reg.creator_sections.append(
        CreatorSection(
            "Feedback", "feedback/_creator_section.html", hooks.creator_section, ALL_ROLES, 40
        )
    )
    reg.timeline.append(TimelineProvider("feedback", hooks.timeline_entries))
    reg.demo_loaders.append(DemoLoader("feedback", demo.load, order=40))
    reg.digest_sections.append(digest.SECTION)  # the digest's new feedback section (R8)


def _visible_feedback(entity, ids):
    return entity.product_id.not_in(ids)


def _visible_feedback_audit(entity, ids):
    """The audit entries of feedback on hidden products go with the notes themselves."""
    from sqlalchemy import String, and_, cast, not_, select

    from crm.feedback.models import Feedback

    notes = Feedback.__table__
    hidden = select(cast(notes.c.id, String)).where(notes.c.product_id.in_(ids))
    return not_(and_(entity.entity == "feedback", entity.entity_id.in_(hidden)))
