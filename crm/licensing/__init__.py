"""Training-data licensing: works, consent per use (R10), licences, payouts, contributor fund."""

from flask import Flask

from crm.common.permissions import ALL_ROLES
from crm.common.registry import (
    CreatorSection,
    Job,
    NavItem,
    TimelineProvider,
    UploadUsage,
    registry,
)


def register(app: Flask) -> None:
    from crm.licensing import (
        api,
        changes,
        consent_cli,
        demo,
        digest,
        interop_api,
        licences_api,
        receipts,
        receipts_cli,
        release_documents,
        rights_api,
        tasks,
        views,
    )

    app.register_blueprint(views.bp)
    app.register_blueprint(interop_api.well_known)
    receipts.install()
    changes.install()
    reg = registry(app)
    reg.api_routes.extend(interop_api.routes)
    reg.api_routes.extend(api.routes)
    reg.api_routes.extend(licences_api.routes)
    reg.api_routes.extend(rights_api.routes)
    reg.nav.append(NavItem("licensing.index", "Licensing", ALL_ROLES, order=60))
    reg.creator_sections.append(
        CreatorSection(
            "licensing", "licensing/section.html", views.creator_section, ALL_ROLES, order=60
        )
    )
    reg.timeline.append(TimelineProvider("licensing", views.timeline_entries))
    reg.demo_loaders.append(demo.LOADER)
    reg.upload_usage.append(
        UploadUsage("release-documents", release_documents.documents_bytes_since)
    )
    reg.cli_commands.append(receipts_cli.receipts_group)
    reg.cli_commands.append(consent_cli.consent_group)
    reg.digest_sections.append(digest.SECTION)  # open consent conflicts (legal, admins)
    reg.jobs.append(Job("licensing.scan_signals", tasks.scan_signals, "cron", {"hour": 4}))
