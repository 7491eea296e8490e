"""The media manager's rights and releases: a work's page (its rights, what it shows, the
releases attached and whether it may be licensed, in plain words), rights in bulk, and the
releases the creator holds with their signed PDF. Attached to the portal blueprint
(views_base.bp); views.py imports this module after the other page modules."""

from __future__ import annotations

from flask import current_app, request, url_for
from sqlalchemy import select

from crm.common.errors import NotFound
from crm.common.filenames import download_name
from crm.common.permissions import portal_only
from crm.common.storage import storage_for
from crm.common.timeutil import org_today
from crm.common.uploads import quota_bytes
from crm.db import get_session
from crm.licensing import release_documents
from crm.licensing.forms import relicense_choice
from crm.licensing.models import Work
from crm.portal import pages
from crm.portal.forms import (
    USE_LABELS,
    BulkRightsForm,
    EmptyForm,
    PortalReleaseForm,
    WorkRightsForm,
)
from crm.portal.services import media, quota, rights
from crm.portal.views_base import _me, _render, bp
from crm.portal.views_works import _works_page
from crm.web.forms import choices, handle_action, handle_form
from crm.web.uploads import has_file, send_stored, with_upload

MAX_CHOICE_WORKS = 500


def _choice(form) -> rights.RightsChoice:
    return rights.RightsChoice(
        rights=form.rights.data,
        evidence=form.evidence.data or "",
        co_holders=form.co_holders.data or "",
        client_name=form.client_name.data or "",
        relicense=form.relicense.data or "unknown",
    )


def _rights_form(work: Work) -> WorkRightsForm:
    relicense = relicense_choice(work)
    return WorkRightsForm(
        formdata=None,
        rights=work.rights,
        co_holders=", ".join(work.co_holders or []),
        client_name=work.client_name or "",
        relicense=relicense if work.rights == "client" else "unknown",
        evidence=work.rights_evidence or "",
        people_present=work.people_present,
        people_count=work.people_count,
        property_present=work.property_present,
        created_on=work.created_on,
    )


def _work_page(work_id: int, status: int = 200, form: WorkRightsForm | None = None):
    me = _me()
    context = pages.work_detail(get_session(), me.creator, work_id)
    return _render(
        "portal/work.html",
        status,
        form=form or _rights_form(context["work"]),
        use_labels=USE_LABELS,
        **context,
    )


@bp.get("/works/<int:work_id>")
@portal_only
def work(work_id: int):
    return _work_page(work_id)


@bp.post("/works/<int:work_id>/rights")
@portal_only
def set_work_rights(work_id: int):
    me = _me()
    media.own_work(get_session(), me.creator_id, work_id)  # another creator's: 404
    form = WorkRightsForm()
    return handle_form(
        form,
        lambda db: rights.set_work_rights(
            db,
            me.actor,
            work_id,
            _choice(form),
            people_present=bool(form.people_present.data),
            people_count=form.people_count.data,
            property_present=bool(form.property_present.data),
            created_on=form.created_on.data,
        ),
        render=lambda status: _work_page(work_id, status, form),
        success=lambda w: (f"Rights of “{w.title}” saved.", url_for("portal.work", work_id=w.id)),
    )


@bp.post("/works/rights")
@portal_only
def bulk_rights():
    me = _me()
    form = BulkRightsForm()
    return handle_form(
        form,
        lambda db: rights.set_rights_in_bulk_for(
            db,
            me.actor,
            _choice(form),
            kind=form.kind.data or None,
            created_from=form.created_from.data,
            created_to=form.created_to.data,
        ),
        render=lambda status: _works_page(status, bulk_form=form),
        success=lambda count: (f"Rights set on {count} works.", url_for("portal.works")),
    )


# --------------------------------------------------------------------------- releases


def _release_form(form: PortalReleaseForm | None = None) -> PortalReleaseForm:
    me = _me()
    form = form or PortalReleaseForm(formdata=None)
    works = get_session().execute(
        select(Work.id, Work.title, Work.kind)
        .where(Work.creator_id == me.creator_id)
        .order_by(Work.id)
        .limit(MAX_CHOICE_WORKS)
    )
    form.work_ids.choices = choices((w.id, f"{w.title} ({w.kind})") for w in works)
    return form


def _releases_page(status: int = 200, form: PortalReleaseForm | None = None):
    me = _me()
    context = pages.release_list(get_session(), me.creator)
    return _render(
        "portal/releases.html",
        status,
        form=_release_form(form),
        use_labels=USE_LABELS,
        **context,
    )


@bp.get("/releases/")
@portal_only
def releases():
    return _releases_page()


@bp.post("/releases/")
@portal_only
def add_release():
    limit = current_app.config.get("NDA_MAX_BYTES", release_documents.DEFAULT_MAX_BYTES)
    if (request.content_length or 0) > limit + 64 * 1024:
        raise release_documents.PayloadTooLarge(
            f"The document is larger than {limit // 1048576} MB."
        )
    me = _me()
    form = _release_form(PortalReleaseForm())
    storage = storage_for()

    def record(db, stored):
        return rights.add_release(
            db,
            me.actor,
            rights.ReleaseInput(
                kind=form.kind.data,
                subject=form.subject.data,
                uses=list(form.uses.data or []),
                media=list(form.media.data or []),
                territory=form.territory.data or "",
                signed_on=form.signed_on.data,
                expires_on=form.expires_on.data,
                work_ids=[i for i in (form.work_ids.data or []) if i is not None],
            ),
            document=stored,
            require_document=True,
        )

    call = with_upload(
        form.document.data if has_file(form.document.data) else None,
        allowance=lambda: quota.creator_allowance(
            get_session(), me.creator_id, quota_bytes(current_app.config)
        ),
        store=lambda stream, filename, allowance: release_documents.write_document(
            stream, filename, storage, max_bytes=limit, allowance=allowance
        ),
        call=record,
        discard=lambda stored: release_documents.remove_file(storage, stored.path),
    )
    return handle_form(
        form,
        call,
        render=lambda status: _releases_page(status, form),
        success=lambda release: (
            f"Your {release.kind} release is recorded for {len(release.works)} works.",
            url_for("portal.releases"),
        ),
    )


@bp.post("/releases/<int:release_id>/withdraw")
@portal_only
def withdraw_release(release_id: int):
    """Another creator's release (or an unknown id) is not found; one already withdrawn is
    refused with the day it ended, and nothing changes."""
    me = _me()
    back = url_for("portal.releases")
    return handle_action(
        lambda db: rights.withdraw_release(db, me.actor, release_id, today=org_today()),
        success=lambda release: (
            f"Your {release.kind} release ({release.subject}) is withdrawn. From today it "
            "covers none of your works.",
            back,
        ),
        back=back,
        form=EmptyForm(),
        message=lambda exc: f"Nothing changed: {exc.detail}",
        category="warning",
    )


@bp.get("/releases/<int:release_id>/document")
@portal_only
def release_document(release_id: int):
    me = _me()
    release = rights.own_release(get_session(), me.creator_id, release_id)
    stored = release_documents.open_document(storage_for(), release)
    if stored is None:
        raise NotFound("No such document.")
    return send_stored(
        stored,
        mimetype="application/pdf",
        download_name=download_name(release.document_name, f"release-{release.id}.pdf"),
        max_age=0,
    )
