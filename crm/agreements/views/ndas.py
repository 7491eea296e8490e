"""Agreements pages: NDAs, their lifecycle and the signed document."""

from __future__ import annotations

from flask import (
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select

from crm.agreements import clearance, documents, queries, services
from crm.agreements.forms import (
    DocumentForm,
    NdaForm,
    SignForm,
    StatusForm,
)
from crm.agreements.models import Grant
from crm.agreements.views.base import _creator, _product_choices, bp, today
from crm.common import uploads
from crm.common.errors import Invalid, NotFound
from crm.common.filenames import download_name
from crm.common.labels import phrase
from crm.common.permissions import (
    ALL_ROLES,
    EDITORS_AND_LEGAL,
    allow,
    can,
)
from crm.common.registry import notices_for
from crm.common.storage import storage_for
from crm.db import get_session
from crm.web.forms import handle_action, handle_form
from crm.web.security import recent_login_required
from crm.web.uploads import send_stored, with_upload


@bp.route("/ndas/new", methods=["GET", "POST"])
@allow(EDITORS_AND_LEGAL)
def nda_new():
    form = NdaForm()
    form.product_ids.choices = _product_choices()
    creator = _creator(request.values.get("creator_id"))

    def render(status):
        form.creator_id.data = creator.id
        page = render_template("agreements/nda_form.html", form=form, creator=creator, nda=None)
        return page, status

    return handle_form(
        form,
        lambda db: services.create_nda(
            db,
            current_user,
            creator_id=creator.id,
            product_ids=form.product_ids.data,
            effective_on=form.effective_on.data,
            expires_on=form.expires_on.data,
            terms=form.terms.data,
        ),
        render=render,
        success=lambda nda: (
            f"NDA #{nda.id} created as a draft.",
            url_for("agreements.nda_detail", nda_id=nda.id),
        ),
        once=True,
    )


@bp.get("/ndas/<int:nda_id>")
@allow(ALL_ROLES)
def nda_detail(nda_id: int, sign_form=None, status=200, upload_form=None):
    db = get_session()
    nda = services.get_nda(db, nda_id)
    grants = list(db.scalars(select(Grant).where(Grant.nda_id == nda.id).order_by(Grant.id)))
    if sign_form is None:
        sign_form = SignForm(formdata=None)
        sign_form.signed_on.data = today()
    return render_template(
        "agreements/nda_detail.html",
        nda=nda,
        creator=queries.creator_of(db, nda.creator_id),
        grants=grants,
        transitions=services.NDA_TRANSITIONS.targets(nda.status),
        upload_form=upload_form or DocumentForm(formdata=None),
        sign_form=sign_form,
        max_mb=current_app.config["NDA_MAX_BYTES"] // (1024 * 1024),
        notices=notices_for("nda", db, nda, current_user),
    ), status


@bp.route("/ndas/<int:nda_id>/edit", methods=["GET", "POST"])
@allow(EDITORS_AND_LEGAL)
def nda_edit(nda_id: int):
    db = get_session()
    nda = services.get_nda(db, nda_id)
    form = NdaForm(obj=nda) if request.method == "GET" else NdaForm()
    form.product_ids.choices = _product_choices()
    if request.method == "GET":
        form.product_ids.data = [p.id for p in nda.products]

    def render(status):
        creator = queries.creator_of(db, nda.creator_id)
        page = render_template("agreements/nda_form.html", form=form, creator=creator, nda=nda)
        return page, status

    return handle_form(
        form,
        lambda db: services.update_nda(
            db,
            current_user,
            nda,
            product_ids=form.product_ids.data,
            effective_on=form.effective_on.data,
            expires_on=form.expires_on.data,
            terms=form.terms.data,
        ),
        render=render,
        success=(f"NDA #{nda.id} saved.", url_for("agreements.nda_detail", nda_id=nda.id)),
    )


def _nda_transition(nda_id: int, target: str):
    nda = services.get_nda(get_session(), nda_id)
    back = url_for("agreements.nda_detail", nda_id=nda_id)
    return handle_action(
        lambda db: services.transition_nda(db, current_user, nda, target, today()),
        success=lambda _: (f"NDA #{nda.id} is now {phrase(nda.status, 'nda_status')}.", back),
        back=back,
    )


@bp.post("/ndas/<int:nda_id>/status")
@allow(EDITORS_AND_LEGAL)
def nda_transition(nda_id: int):
    form = StatusForm()
    if not form.validate_on_submit():
        raise Invalid({"status": form.status.errors or ["is required"]})
    if form.status.data == "terminated":
        flash("Use the Terminate button: it asks for a recent login.", "warning")
        return redirect(url_for("agreements.nda_detail", nda_id=nda_id))
    if form.status.data == "signed":
        flash("Use the Mark signed form: it records the signing date.", "warning")
        return redirect(url_for("agreements.nda_detail", nda_id=nda_id))
    return _nda_transition(nda_id, form.status.data)


@bp.post("/ndas/<int:nda_id>/sign")
@allow(EDITORS_AND_LEGAL)
def nda_sign(nda_id: int):
    nda = services.get_nda(get_session(), nda_id)
    form = SignForm()
    back = url_for("agreements.nda_detail", nda_id=nda_id)
    return handle_form(
        form,
        lambda db: services.transition_nda(
            db,
            current_user,
            nda,
            "signed",
            today(),
            signed_on=form.signed_on.data,
            on_paper=bool(form.signed_on_paper.data),
        ),
        render=lambda status: nda_detail(nda_id, sign_form=form, status=status),
        success=(f"NDA #{nda.id} is signed.", back),
    )


@bp.post("/ndas/<int:nda_id>/terminate")
@allow(EDITORS_AND_LEGAL)
@recent_login_required
def nda_terminate(nda_id: int):
    StatusForm()  # CSRF is checked globally; nothing else to read
    return _nda_transition(nda_id, "terminated")


@bp.post("/ndas/<int:nda_id>/document")
@allow(EDITORS_AND_LEGAL)
def nda_upload(nda_id: int):
    limit = current_app.config["NDA_MAX_BYTES"]
    if (request.content_length or 0) > limit + 64 * 1024:
        raise documents.PayloadTooLarge(f"The document is larger than {limit // 1048576} MB.")
    db = get_session()
    nda = services.get_nda(db, nda_id)
    form = DocumentForm()
    storage = storage_for()
    return handle_form(
        form,
        with_upload(
            form.document.data,
            allowance=lambda: uploads.allowance(db, current_user, current_app.config),
            store=lambda stream, filename, quota: documents.write_document(
                nda, stream, filename, storage, max_bytes=limit, allowance=quota
            ),
            call=lambda db, stored: documents.attach_document(db, current_user, nda, stored),
            discard=lambda stored: documents.remove_file(storage, stored.path),
            after_commit=lambda previous: documents.remove_file(storage, previous),
        ),
        render=lambda status: nda_detail(nda_id, upload_form=form, status=status),
        success=lambda _: (
            f"Signed document stored (SHA-256 {(nda.document_sha256 or '')[:12]}…).",
            url_for("agreements.nda_detail", nda_id=nda_id),
        ),
    )


@bp.get("/ndas/<int:nda_id>/document")
@allow(ALL_ROLES)
def nda_download(nda_id: int):
    # A viewer never gets an NDA document: 404, so its existence does not leak either.
    if not can(current_user, EDITORS_AND_LEGAL):
        raise NotFound("No such document.")
    db = get_session()
    nda = services.get_nda(db, nda_id)
    # The signed PDF names every product it covers; no redaction reaches inside it.
    if clearance.covers_hidden(db, current_user, nda):
        raise NotFound("No such document.")
    stored = documents.open_document(storage_for(), nda)
    if stored is None:
        raise NotFound("No such document.")
    return send_stored(
        stored,
        mimetype="application/pdf",
        download_name=download_name(nda.document_name, f"nda-{nda.id}.pdf"),
        max_age=0,
    )
