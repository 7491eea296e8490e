"""Products, NDAs, NDA-gated grants, deals and payments.

`register(app)` is the one place this domain plugs in: its pages, panels, creator section,
timeline, digest section, reminder rules, record links, upload usage, job, demo data and CLI
go into the app's registry, and its receivers are connected to the signals it reacts to.
"""

from flask import Flask

from crm.common.clearance import install as install_clearance
from crm.common.permissions import ALL_ROLES, EDITORS_AND_LEGAL
from crm.common.registry import (
    ADMIN_MENU,
    CreatorSection,
    DemoLoader,
    HomePanel,
    Job,
    NavItem,
    TimelineProvider,
    UploadUsage,
    registry,
)


def register(app: Flask) -> None:
    from crm.agreements import (
        api,
        clearance,
        clearance_api,
        cli,
        demo,
        digest,
        documents,
        links,
        receivers,
        reminder_rules,
        sections,
        tasks,
        views,
    )
    from crm.agreements.signals import nda_ended
    from crm.creators.signals import erasure_check

    app.config.setdefault("NDA_MAX_BYTES", 10 * 1024 * 1024)
    app.register_blueprint(views.bp)
    reg = registry(app)
    reg.api_routes.extend(api.routes)
    reg.api_routes.extend(clearance_api.routes)
    # Need-to-know for unreleased products: the hidden set of a user and the agreements'
    # rows it leaves out (crm/common/clearance.py applies them to every read).
    reg.clearance_provider = clearance.hidden_products
    reg.clearance_rules.extend(clearance.RULES)
    install_clearance()
    reg.nav.append(
        NavItem(
            "agreements.index", "Agreements", ALL_ROLES, order=30, count=sections.expiring_count
        )
    )
    # Managers and legal see the list (read-only) to know what is released; admins edit it.
    reg.nav.append(
        NavItem("agreements.products", "Products", EDITORS_AND_LEGAL, order=85, group=ADMIN_MENU)
    )
    app.jinja_env.globals["grant_state"] = sections.grant_state
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
    reg.timeline.append(TimelineProvider("restricted", sections.restricted_entries))
    reg.digest_sections.append(digest.SECTION)
    reg.reminder_rules.extend(reminder_rules.RULES)
    for link in links.LINKS:
        reg.add_record_link(link)
    reg.upload_usage.append(UploadUsage("nda-documents", documents.documents_bytes_since))
    reg.demo_loaders.append(DemoLoader("agreements", demo.load, order=20))
    reg.jobs.append(
        Job(
            "agreements.expiry",
            tasks.expire_agreements_job,
            "cron",
            {"hour": 0, "minute": 15},
        )
    )
    reg.cli_commands.append(cli.agreements_group)
    # Receivers (blinker keeps one connection per function, however many apps are built).
    nda_ended.connect(receivers.task_for_suspended_grants)
    erasure_check.connect(receivers.agreements_in_force)
