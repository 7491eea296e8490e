"""The consent conflicts page: where a creator's own signal (site or C2PA manifest)
refuses a use our record allows, and how legal settles it; the creator page's "scan now"
and the download of a consent's signed receipt."""

from __future__ import annotations

from flask import Response, render_template, request, url_for
from flask_login import current_user

from crm.common.errors import NotFound
from crm.common.labels import plural
from crm.common.permissions import ALL_ROLES, AUDITORS, EDITORS_AND_LEGAL, allow, can
from crm.db import get_session
from crm.licensing import receipts, services, signals_scan
from crm.licensing.forms import ConflictResolveForm
from crm.licensing.views.base import bp
from crm.web.forms import handle_action, handle_form

PAGE_LIMIT = 200


def _conflicts_page(form: ConflictResolveForm | None = None, status: int = 200):
    db = get_session()
    day = services.today()
    shown = request.args.get("show") == "settled"
    found = signals_scan.conflicts(db, day, include_resolved=shown, limit=PAGE_LIMIT)
    if shown:
        found = [c for c in found if c["resolution"]]
    failed_key = form.key.data if form is not None and status >= 400 else None
    problems: list[str] = []
    if form is not None and status >= 400 and failed_key not in {c["key"] for c in found}:
        # The conflict is not on the page (a stale or forged key): say what was wrong above.
        failed_key = None
        problems = [*getattr(form, "form_errors", [])]
        problems += [
            f"{form[name].label.text}: {m}"
            for name, ms in form.errors.items()
            if name in form
            for m in ms
        ]
    return render_template(
        "licensing/conflicts.html",
        conflicts=found,
        limit=PAGE_LIMIT,
        settled=shown,
        form=form,
        failed_key=failed_key,
        problems=problems,
        can_resolve=can(current_user, AUDITORS),
        day=day,
    ), status


@bp.get("/conflicts")
@allow(ALL_ROLES)
def conflicts():
    return _conflicts_page()


@bp.post("/conflicts/resolve")
@allow(AUDITORS)
def resolve_conflict():
    form = ConflictResolveForm()
    return handle_form(
        form,
        lambda db: signals_scan.resolve_conflict(
            db,
            current_user,
            form.key.data,
            form.resolution.data,
            form.note.data or "",
            services.today(),
            form.revoked_on.data,
        ),
        render=lambda status: _conflicts_page(form, status),
        success=lambda settled: (
            "Conflict settled: "
            + ("consent revoked." if settled.resolution == "consent_revoked" else "record kept."),
            url_for("licensing.conflicts"),
        ),
    )


@bp.post("/creators/<int:creator_id>/scan-signals")
@allow(EDITORS_AND_LEGAL)
def scan_signals(creator_id: int):
    creator = services.get_creator(get_session(), creator_id)
    target = url_for("licensing.creator", creator_id=creator.id)
    return handle_action(
        lambda db: signals_scan.scan(db, [creator.id]),
        success=lambda found: (
            f"Sites and media read: {plural(found, 'signal')} found. Open conflicts are listed on "
            "the conflicts page.",
            target,
        ),
        back=target,
    )


@bp.get("/consents/<int:consent_id>/receipt")
@allow(ALL_ROLES)
def consent_receipt(consent_id: int):
    """The latest signed receipt of a consent (compact JWS), as a file to keep or send."""
    found = receipts.receipts_of(get_session(), consent_id)
    if not found:
        raise NotFound("No receipt recorded for this consent.")
    latest = found[-1]
    response = Response(latest.jws + "\n", mimetype="application/jose")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="consent-{consent_id}-{latest.event}-receipt.jws"'
    )
    return response
