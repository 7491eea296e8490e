"""The creator portal: creators (and their representatives) sign NDAs, send drafts for
review, report on models and decide how their works may be used — on top of every domain,
through their services, with the creator as actor.

`register(app)` adds the portal's pages, the staff pages about it (invite, preview, signed
copy), the invitation API route, `crm creators invite`, a creator-page section, timeline
entries and the decision email to creators.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, g, url_for

from crm.common import money
from crm.common.permissions import EDITORS_AND_LEGAL, PORTAL, access_of
from crm.common.registry import (
    CreatorSection,
    Job,
    Notice,
    RecordNotice,
    TimelineEntry,
    TimelineProvider,
    registry,
)

#: Portal page names → (endpoint, name of the id argument) for `portal_url`.
PAGE_ENDPOINTS: dict[str, tuple[str, str | None]] = {
    "home": ("portal.home", None),
    "ndas": ("portal.ndas_index", None),
    "nda": ("portal.nda", "nda_id"),
    "access": ("portal.access", None),
    "submissions": ("portal.submissions", None),
    "submission": ("portal.submission", "submission_id"),
    "feedback": ("portal.feedback", None),
    "works": ("portal.works", None),
    "work": ("portal.work", "work_id"),
    "releases": ("portal.releases", None),
}


def portal_url(page: str, obj_id: int | None = None) -> str:
    """A portal page's address; in the staff preview, the same page of the preview."""
    preview_creator = g.get("portal_preview")
    if preview_creator is not None:
        if obj_id is None:
            return url_for("portal_staff.preview", creator_id=preview_creator, page=page)
        return url_for("portal_staff.preview", creator_id=preview_creator, page=page, obj_id=obj_id)
    endpoint, arg = PAGE_ENDPOINTS[page]
    if arg is None:
        return url_for(endpoint)
    values: dict[str, Any] = {arg: obj_id}
    return url_for(endpoint, **values)


def _section(session, creator, user) -> dict[str, Any]:
    from crm.portal.services import accounts

    return {"members": accounts.creator_memberships(session, creator.id)}


def _timeline(session, creator, user, limit) -> list[TimelineEntry]:
    from crm.portal.services import activity

    entries = []
    for row in activity.recent(session, creator.id, limit):
        url = None
        if row.entity == "nda" and row.entity_id:  # a signature: its signed copy
            url = url_for("portal_staff.nda_copy", nda_id=row.entity_id)
        elif row.entity == "submission" and row.entity_id:
            url = url_for("approvals.detail", submission_id=row.entity_id)
        entries.append(TimelineEntry(row.at, "portal", f"In the portal: {row.summary}", "", url))
    return entries


def _signature_notices(session, nda, user) -> list[Notice]:
    """On the NDA page (admin, manager, legal): the evidence of a portal signature."""
    from markupsafe import Markup, escape

    from crm.common.permissions import can
    from crm.portal.services import ndas

    if not can(user, EDITORS_AND_LEGAL):
        return []
    signature = ndas.latest_signature(session, nda.id)
    if signature is None:
        return []
    link = url_for("portal_staff.nda_copy", nda_id=nda.id)
    detail = Markup('SHA-256 of the terms <code>{}</code> · document version <code>{}</code> · '
                    '<a href="{}">signed copy</a>').format(
        escape(signature.terms_sha256), escape(signature.document_version), link
    )  # fmt: skip
    changed = ndas.needs_signature(nda, signature)
    return [
        Notice(
            title="Signed in the creator portal",
            message=(
                f"{signature.typed_name} ({signature.signer_email}) signed on "
                f"{signature.signed_at:%Y-%m-%d %H:%M} UTC from "
                f"{signature.ip or 'an unknown address'}."
            ),
            detail=detail,
            remedy=(
                "The terms changed after this signature; the creator is asked to sign again."
                if changed
                else None
            ),
        )
    ]


def _check_portal_routes(app: Flask) -> None:
    """A portal-only route outside the portal blueprint would skip its session check."""
    stray = [
        name
        for name, view in app.view_functions.items()
        if access_of(view) == PORTAL and not name.startswith("portal.")
    ]
    if stray:
        raise RuntimeError(f"portal-only routes outside the portal: {', '.join(stray)}")


def register(app: Flask) -> None:
    from crm.agreements.signals import nda_sent, nda_terms_changed
    from crm.approvals.signals import decision_recorded
    from crm.auth import recovery
    from crm.creators.signals import creator_erased
    from crm.portal import api, cli, demo, receivers, staff_views, tasks, views
    from crm.portal.services.account_base import PATHS

    app.register_blueprint(views.bp)
    app.register_blueprint(staff_views.bp)
    recovery.add_link_paths(PATHS.values())  # invitation, login and reset tokens
    app.jinja_env.globals["portal_url"] = portal_url
    app.add_template_filter(money.format_money, "portal_money")
    reg = registry(app)
    reg.creator_sections.append(
        CreatorSection(
            "Creator portal", "portal/_creator_section.html", _section, EDITORS_AND_LEGAL, 15
        )
    )
    reg.timeline.append(TimelineProvider("portal", _timeline))
    reg.demo_loaders.append(demo.LOADER)
    reg.api_routes.extend(api.routes)
    reg.record_notices.append(RecordNotice("nda", "portal-signature", _signature_notices))
    reg.jobs.append(Job("portal.purge", tasks.purge_job, "cron", {"hour": 2, "minute": 40}))
    for command in reg.cli_commands:
        if command.name == "creators" and hasattr(command, "add_command"):
            command.add_command(cli.invite_command)
            break
    else:
        raise RuntimeError("the creators command group is not registered")
    decision_recorded.connect(receivers.email_decision_to_creator)
    nda_sent.connect(receivers.email_nda_sent)
    nda_terms_changed.connect(receivers.email_nda_terms_changed)
    creator_erased.connect(receivers.erase_portal_data)
    _check_portal_routes(app)
