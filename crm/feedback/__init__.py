"""Feedback: what creators report about the models, triaged and counted for product teams."""

from __future__ import annotations

from flask import Flask

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
    from crm.feedback import api, demo, digest, hooks, views

    app.register_blueprint(views.bp)
    reg = registry(app)
    reg.api_routes.extend(api.routes)
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
