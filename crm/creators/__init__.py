"""Creators, their channels, representatives and the interaction timeline.

`register(app)` is the one place this domain plugs in (pages, panel, timeline, reminder
rule, record links, demo data, CLI). Every creator page links with the `creator_url`
template global defined here.
"""

from __future__ import annotations

from flask import Flask

from crm.common.permissions import ADMINS, ALL_ROLES, EDITORS
from crm.common.registry import (
    ADMIN_MENU,
    CreatorSection,
    DemoLoader,
    HomePanel,
    Job,
    NavItem,
    TimelineProvider,
    registry,
)


def register(app: Flask) -> None:
    from crm.creators import (
        api,
        bulk_api,
        cli,
        custom_fields,
        custom_fields_api,
        demo,
        links,
        panels,
        reminder_rules,
        tasks,
        views,
    )

    app.register_blueprint(views.bp)
    app.jinja_env.globals["creator_url"] = links.creator_url
    reg = registry(app)
    reg.api_routes.extend(api.routes)
    reg.api_routes.extend(bulk_api.routes)
    reg.api_routes.extend(custom_fields_api.routes)
    reg.openapi_extras.append(custom_fields_api.describe)
    reg.creator_sections.append(
        CreatorSection(
            "Details",
            "creators/_custom_fields_section.html",
            custom_fields.creator_section,
            ALL_ROLES,
            order=5,
        )
    )
    reg.jobs.append(Job("creators.bulk", tasks.run_bulk_jobs, "interval", {"seconds": 30}))
    reg.nav.append(NavItem("creators.index", "Creators", ALL_ROLES, order=10))
    reg.nav.append(
        NavItem("creators.custom_fields_admin", "Custom fields", ADMINS, order=88, group=ADMIN_MENU)
    )
    reg.timeline.append(TimelineProvider("interactions", panels.interaction_entries))
    reg.home_panels.append(
        HomePanel("creators/_panel_stale.html", panels.stale_creators_panel, EDITORS, order=30)
    )
    reg.reminder_rules.extend(reminder_rules.RULES)
    for link in links.LINKS:
        reg.add_record_link(link)
    reg.demo_loaders.append(demo.LOADER)
    reg.demo_loaders.append(DemoLoader("custom_fields", custom_fields.load_demo, order=11))
    reg.cli_commands.append(cli.creators_group)
