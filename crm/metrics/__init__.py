"""Audience metrics: platform adapters (the clients package), daily snapshots, movers and charts."""

from flask import Flask

from crm.common.permissions import ALL_ROLES
from crm.common.registry import CreatorSection, HomePanel, Job, NavItem, TimelineProvider, registry


def register(app: Flask) -> None:
    from crm.metrics import api, cli, demo, digest, panels, tasks, views

    app.register_blueprint(views.bp)
    reg = registry(app)
    reg.api_routes.extend(api.routes)
    reg.nav.append(NavItem("metrics.index", "Audience", ALL_ROLES, order=60))
    reg.home_panels.append(
        HomePanel("metrics/_home_panel.html", panels.home_panel, ALL_ROLES, order=60)
    )
    reg.creator_sections.append(
        CreatorSection(
            "Audience", "metrics/_creator_section.html", panels.creator_section, ALL_ROLES, order=60
        )
    )
    reg.timeline.append(TimelineProvider("metrics", panels.jump_entries))
    reg.demo_loaders.append(demo.LOADER)
    reg.jobs.append(Job("metrics.snapshot", tasks.snapshot_job, "cron", {"hour": 3, "minute": 0}))
    reg.digest_sections.append(digest.SECTION)  # the digest's audience movers (R8)
    reg.cli_commands.append(cli.metrics_group)
