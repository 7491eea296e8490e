"""Creators, their channels, representatives and the interaction timeline."""

from __future__ import annotations

from flask import Flask

from crm.common.permissions import ALL_ROLES, EDITORS
from crm.common.registry import HomePanel, NavItem, TimelineProvider, registry


def register(app: Flask) -> None:
    from crm.creators import api, cli, demo, panels, views  # noqa: F401 (api routes on import)

    app.register_blueprint(views.bp)
    reg = registry(app)
    reg.nav.append(NavItem("creators.index", "Creators", ALL_ROLES, order=10))
    reg.timeline.append(TimelineProvider("interactions", panels.interaction_entries))
    reg.home_panels.append(
        HomePanel("creators/_panel_stale.html", panels.stale_creators_panel, EDITORS, order=30)
    )
    reg.demo_loaders.append(demo.LOADER)
