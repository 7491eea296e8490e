"""The portal's media manager: the creator's works and the consents given for them.
Attached to the portal blueprint (views_base.bp); views.py imports this module after its
own routes to keep the route order."""

from __future__ import annotations

from flask import (
    current_app,
    request,
    url_for,
)

from crm.common import uploads
from crm.common.errors import Invalid
from crm.common.labels import plural
from crm.common.pdfs import PayloadTooLarge
from crm.common.permissions import portal_only
from crm.common.storage import storage_for
from crm.common.timeutil import org_today
from crm.db import get_session
from crm.portal import pages
from crm.portal.forms import (
    USE_LABELS,
    BulkRightsForm,
    ConfirmImportForm,
    ConsentForm,
    EmptyForm,
    ImportWorksForm,
    PasteForm,
    WorkForm,
)
from crm.portal.services import media, quota, works_import
from crm.portal.views_base import _me, _render, bp
from crm.web.forms import Stay, choices, handle_action, handle_form
from crm.web.uploads import has_file

# --------------------------------------------------------------------------- media manager


def _consent_form(db, creator_id: int) -> ConsentForm:
    form = ConsentForm()
    scope = [("all", "All my works"), *((f"kind:{k}", f"All my {k} works") for k in
             ("video", "image", "text", "audio", "other"))]  # fmt: skip
    scope += [(f"work:{w.id}", f"Work: {w.title}") for w in media.own_works(db, creator_id)]
    form.scope.choices = choices(scope)
    return form


def _works_page(status: int = 200, **forms):
    me = _me()
    db = get_session()
    context = pages.works(db, me.creator)
    return _render(
        "portal/works.html",
        status,
        work_form=forms.get("work_form") or WorkForm(formdata=None),
        paste_form=forms.get("paste_form") or PasteForm(formdata=None),
        consent_form=forms.get("consent_form") or _consent_form(db, me.creator_id),
        bulk_form=forms.get("bulk_form") or BulkRightsForm(formdata=None),
        import_form=ImportWorksForm(formdata=None),
        button=EmptyForm(),
        use_labels=USE_LABELS,
        **context,
    )


@bp.get("/works/")
@portal_only
def works():
    return _works_page()


@bp.post("/works/")
@portal_only
def add_work():
    me = _me()
    form = WorkForm()
    return handle_form(
        form,
        lambda db: media.add_work(
            db, me.actor, kind=form.kind.data, title=form.title.data, url=form.url.data
        ),
        render=lambda status: _works_page(status, work_form=form),
        success=lambda w: (f"“{w.title}” added.", url_for("portal.works")),
    )


@bp.post("/works/paste")
@portal_only
def paste_works():
    me = _me()
    form = PasteForm()
    return handle_form(
        form,
        lambda db: media.paste_works(db, me.actor, kind=form.kind.data, urls=form.urls.data),
        render=lambda status: _works_page(status, paste_form=form),
        success=lambda ws: (f"{plural(len(ws), 'work')} added.", url_for("portal.works")),
    )


@bp.post("/consents/")
@portal_only
def set_consent():
    me = _me()
    form = _consent_form(get_session(), me.creator_id)
    return handle_form(
        form,
        lambda db: media.set_consent(
            db,
            me.actor,
            media.ConsentChoice(
                scope=form.scope.data,
                uses=list(form.uses.data or []),
                decision=form.decision.data,
                constraint=form.constraint.data or "",
            ),
            ip=request.remote_addr,
            today=org_today(),
        ),
        render=lambda status: _works_page(status, consent_form=form),
        success=("Your choice is recorded and applies from today.", url_for("portal.works")),
    )


@bp.post("/consents/<int:consent_id>/revoke")
@portal_only
def revoke_consent(consent_id: int):
    me = _me()
    media.own_consent(get_session(), me.creator_id, consent_id)
    back = url_for("portal.works")
    return handle_action(
        lambda db: media.revoke(db, me.actor, consent_id, today=org_today()),
        success=("Revoked. It no longer applies from today.", back),
        back=back,
        form=EmptyForm(),
    )


# --------------------------------------------------------------------------- CSV import


def _import_page(status: int = 200, form=None, plan=None, confirm_form=None):
    me = _me()
    return _render(
        "portal/works_import.html",
        status,
        creator=me.creator,
        form=form or ImportWorksForm(formdata=None),
        plan=plan,
        confirm_form=confirm_form or ConfirmImportForm(formdata=None),
        columns=works_import.COLUMNS,
        max_rows=works_import.MAX_ROWS,
        max_kb=works_import.MAX_BYTES // 1024,
    )


@bp.get("/works/import")
@portal_only
def import_works_form():
    return _import_page()


@bp.post("/works/import")
@portal_only
def import_works_preview():
    """Check the file and show every row; nothing is written until it is confirmed."""
    me = _me()
    form = ImportWorksForm()
    shown: dict = {}
    if (request.content_length or 0) > works_import.MAX_BYTES + 64 * 1024:
        raise PayloadTooLarge(f"The file is larger than {works_import.MAX_BYTES // 1024} KB.")

    def call(db):
        if not has_file(form.file.data):
            raise Invalid({"file": ["choose a CSV file"]})
        limit = uploads.quota_bytes(current_app.config)
        allowance = quota.creator_allowance(db, me.creator_id, limit)
        allowance.check_any_left()
        raw = form.file.data.stream.read(works_import.MAX_BYTES + 1)
        if allowance.exceeded_by(len(raw)):
            raise allowance.refuse()
        plan, _text = works_import.preview(db, me.actor, raw, storage_for())
        return plan

    def success(plan):
        shown["plan"] = plan
        confirm = ConfirmImportForm(formdata=None, token=plan.token or "")
        shown["confirm"] = confirm
        return Stay(200)

    return handle_form(
        form,
        call,
        render=lambda status: _import_page(
            status, form=form, plan=shown.get("plan"), confirm_form=shown.get("confirm")
        ),
        success=success,
    )


@bp.post("/works/import/confirm")
@portal_only
def import_works_confirm():
    me = _me()
    form = ConfirmImportForm()
    return handle_form(
        form,
        lambda db: works_import.confirm(db, me.actor, form.token.data, storage_for()),
        render=lambda status: _import_page(status, confirm_form=form),
        success=lambda ws: (f"{len(ws)} works imported.", url_for("portal.works")),
    )
