"""Training-data licensing: works, consent per use (R10), licences, payouts, contributor fund."""

from flask import Flask

from crm.common.permissions import ALL_ROLES
from crm.common.registry import CreatorSection, NavItem, TimelineProvider, registry


def register(app: Flask) -> None:
    from crm.licensing import (
        api,
        changes,
        consent_cli,
        demo,
        interop_api,
        receipts,
        receipts_cli,
        views,
    )

    app.register_blueprint(views.bp)
    app.register_blueprint(interop_api.well_known)
    receipts.install()
    changes.install()
    reg = registry(app)
    reg.api_routes.extend(interop_api.routes)
    reg.api_routes.extend(api.routes)
    reg.nav.append(NavItem("licensing.index", "Licensing", ALL_ROLES, order=60))
    reg.creator_sections.append(
        CreatorSection(
            "licensing", "licensing/section.html", views.creator_section, ALL_ROLES, order=60
        )
    )
    reg.timeline.append(TimelineProvider("licensing", views.timeline_entries))
    reg.demo_loaders.append(demo.LOADER)
    reg.cli_commands.append(receipts_cli.receipts_group)
    reg.cli_commands.append(consent_cli.consent_group)
