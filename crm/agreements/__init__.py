"""Products, NDAs, NDA-gated grants, deals and payments."""

from flask import Flask

from crm.common.permissions import ADMINS, ALL_ROLES
from crm.common.registry import (
    CreatorSection,
    DemoLoader,
    HomePanel,
    Job,
    NavItem,
    TimelineProvider,
    registry,
)


def register(app: Flask) -> None:
    from crm.agreements import api, cli, demo, sections, tasks, views  # noqa: F401

    app.config.setdefault("NDA_MAX_BYTES", 10 * 1024 * 1024)
    app.register_blueprint(views.bp)
    app.jinja_env.globals["creator_url"] = views.creator_url
    reg = registry(app)
    reg.nav.append(
        NavItem(
            "agreements.index", "Agreements", ALL_ROLES, order=30, count=sections.expiring_count
        )
    )
    reg.nav.append(NavItem("agreements.products", "Products", ADMINS, order=85))
    reg.home_panels.append(
        HomePanel("agreements/_home_panel.html", sections.home_panel, ALL_ROLES, order=30)
    )
    reg.creator_sections.append(
        CreatorSection(
            "Agreements",
            "agreements/_creator_section.html",
            sections.creator_section,
            ALL_ROLES,
            order=20,
        )
    )
    reg.timeline.append(TimelineProvider("ndas", sections.nda_entries))
    reg.timeline.append(TimelineProvider("grants", sections.grant_entries))
    reg.timeline.append(TimelineProvider("deals", sections.deal_entries))
    reg.demo_loaders.append(DemoLoader("agreements", demo.load, order=20))
    reg.jobs.append(
        Job(
            "agreements.expiry",
            tasks.expire_agreements_job,
            "cron",
            {"hour": 0, "minute": 15},
        )
    )
