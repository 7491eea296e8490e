"""Agreements pages: thin views that parse, call one service, commit and redirect."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select

from crm.agreements import documents, queries, services
from crm.agreements.forms import (
    DealForm,
    DocumentForm,
    GrantForm,
    NdaForm,
    PaidForm,
    PaymentForm,
    ProductForm,
    RevokeForm,
    StatusForm,
)
from crm.agreements.models import Grant, Nda
from crm.common import uploads
from crm.common.errors import Conflict, Invalid, NotFound
from crm.common.ids import parse_id
from crm.common.permissions import (
    ADMINS,
    ALL_ROLES,
    EDITORS,
    EDITORS_AND_LEGAL,
    allow,
    can,
)
from crm.common.registry import notices_for
from crm.common.timeutil import today_in
from crm.db import get_session
from crm.web.forms import apply_errors, choices
from crm.web.security import recent_login_required

bp = Blueprint("agreements", __name__, url_prefix="/agreements")


def today():
    return today_in(current_app.config.get("CRM_TIMEZONE", "UTC"))


def _creator(creator_id) -> object:
    creator_id = parse_id(creator_id)
    creator = queries.creator_of(get_session(), creator_id) if creator_id else None
    if creator is None:
        raise NotFound("Choose a creator first (from the creator's page).")
    return creator


def creator_url(creator_id: int) -> str | None:
    if "creators.detail" in current_app.view_functions:
        return url_for("creators.detail", creator_id=creator_id)
    return None


# --- the agreements page: what expires and what is due ---------------------------------------


@bp.get("/")
@allow(ALL_ROLES)
def index():
    days = 30
    soon = queries.expiring(get_session(), today(), days, payments=True)
    return render_template("agreements/index.html", soon=soon, days=days, today=today())


# --- products (admin) ------------------------------------------------------------------------


def _aliases(raw: str | None) -> list[str]:
    return [a.strip() for a in (raw or "").split(",") if a.strip()]


def _products_page(form=None, status=200):
    products = queries.list_products(get_session())
    return render_template(
        "agreements/products.html", products=products, form=form or ProductForm(), today=today()
    ), status


@bp.get("/products/")
@allow(ADMINS)
def products():
    return _products_page()


@bp.post("/products/")
@allow(ADMINS)
def product_create():
    form = ProductForm()
    if form.validate_on_submit():
        db = get_session()
        try:
            product = services.create_product(
                db,
                current_user,
                name=form.name.data,
                aliases=_aliases(form.aliases.data),
                public_on=form.public_on.data,
            )
        except Invalid as exc:
            db.rollback()
            apply_errors(form, exc)
        else:
            db.commit()
            flash(f"Product {product.name} added.", "success")
            return redirect(url_for("agreements.products"))
    return _products_page(form, 422)


@bp.route("/products/<int:product_id>/edit", methods=["GET", "POST"])
@allow(ADMINS)
def product_edit(product_id: int):
    db = get_session()
    product = services.get_product(db, product_id)
    form = ProductForm(obj=product) if request.method == "GET" else ProductForm()
    if request.method == "GET":
        form.aliases.data = ", ".join(product.aliases or [])
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                services.update_product(
                    db,
                    current_user,
                    product,
                    name=form.name.data,
                    aliases=_aliases(form.aliases.data),
                    public_on=form.public_on.data,
                )
            except Invalid as exc:
                db.rollback()
                apply_errors(form, exc)
            else:
                db.commit()
                flash(f"Product {product.name} saved.", "success")
                return redirect(url_for("agreements.products"))
    return render_template("agreements/product_edit.html", product=product, form=form), status


# --- NDAs ----------------------------------------------------------------------------------


def _product_choices():
    return choices((p.id, p.name) for p in queries.list_products(get_session()))


@bp.route("/ndas/new", methods=["GET", "POST"])
@allow(EDITORS_AND_LEGAL)
def nda_new():
    form = NdaForm()
    form.product_ids.choices = _product_choices()
    creator = _creator(request.values.get("creator_id"))
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            db = get_session()
            try:
                nda = services.create_nda(
                    db,
                    current_user,
                    creator_id=creator.id,
                    product_ids=form.product_ids.data,
                    effective_on=form.effective_on.data,
                    expires_on=form.expires_on.data,
                    terms=form.terms.data,
                )
            except Invalid as exc:
                db.rollback()
                apply_errors(form, exc)
            else:
                db.commit()
                flash(f"NDA #{nda.id} created as a draft.", "success")
                return redirect(url_for("agreements.nda_detail", nda_id=nda.id))
    form.creator_id.data = creator.id
    return render_template("agreements/nda_form.html", form=form, creator=creator, nda=None), status


@bp.get("/ndas/<int:nda_id>")
@allow(ALL_ROLES)
def nda_detail(nda_id: int):
    db = get_session()
    nda = services.get_nda(db, nda_id)
    grants = list(db.scalars(select(Grant).where(Grant.nda_id == nda.id).order_by(Grant.id)))
    return render_template(
        "agreements/nda_detail.html",
        nda=nda,
        creator=queries.creator_of(db, nda.creator_id),
        grants=grants,
        transitions=services.NDA_TRANSITIONS[nda.status],
        upload_form=DocumentForm(),
        max_mb=current_app.config["NDA_MAX_BYTES"] // (1024 * 1024),
    )


@bp.route("/ndas/<int:nda_id>/edit", methods=["GET", "POST"])
@allow(EDITORS_AND_LEGAL)
def nda_edit(nda_id: int):
    db = get_session()
    nda = services.get_nda(db, nda_id)
    form = NdaForm(obj=nda) if request.method == "GET" else NdaForm()
    form.product_ids.choices = _product_choices()
    if request.method == "GET":
        form.product_ids.data = [p.id for p in nda.products]
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                services.update_nda(
                    db,
                    current_user,
                    nda,
                    product_ids=form.product_ids.data,
                    effective_on=form.effective_on.data,
                    expires_on=form.expires_on.data,
                    terms=form.terms.data,
                )
            except Invalid as exc:
                db.rollback()
                apply_errors(form, exc)
            except Conflict as exc:
                db.rollback()
                form.form_errors = [exc.detail]
                status = 409
            else:
                db.commit()
                flash(f"NDA #{nda.id} saved.", "success")
                return redirect(url_for("agreements.nda_detail", nda_id=nda.id))
    creator = queries.creator_of(db, nda.creator_id)
    return render_template("agreements/nda_form.html", form=form, creator=creator, nda=nda), status


def _nda_transition(nda_id: int, target: str):
    db = get_session()
    nda = services.get_nda(db, nda_id)
    try:
        services.transition_nda(db, current_user, nda, target, today())
    except (Conflict, Invalid) as exc:
        db.rollback()
        flash(exc.detail, "danger")
    else:
        db.commit()
        flash(f"NDA #{nda.id} is now {nda.status}.", "success")
    return redirect(url_for("agreements.nda_detail", nda_id=nda_id))


@bp.post("/ndas/<int:nda_id>/status")
@allow(EDITORS_AND_LEGAL)
def nda_transition(nda_id: int):
    form = StatusForm()
    if not form.validate_on_submit():
        raise Invalid({"status": form.status.errors or ["is required"]})
    if form.status.data == "terminated":
        flash("Use the Terminate button: it asks for a recent login.", "warning")
        return redirect(url_for("agreements.nda_detail", nda_id=nda_id))
    return _nda_transition(nda_id, form.status.data)


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
    upload = form.document.data
    if not upload or not getattr(upload, "filename", None):
        flash("Choose the signed PDF to upload.", "danger")
        return redirect(url_for("agreements.nda_detail", nda_id=nda_id)), 303
    upload_dir = current_app.config["UPLOAD_DIR"]
    quota = uploads.allowance(db, current_user, current_app.config)
    quota.check_any_left()
    previous = documents.store_document(
        db,
        current_user,
        nda,
        filename=upload.filename,
        stream=upload.stream,
        upload_dir=upload_dir,
        max_bytes=limit,
        allowance=quota,
    )
    db.commit()
    documents.remove_file(upload_dir, previous)
    flash(f"Signed document stored (SHA-256 {nda.document_sha256[:12]}…).", "success")
    return redirect(url_for("agreements.nda_detail", nda_id=nda_id))


@bp.get("/ndas/<int:nda_id>/document")
@allow(ALL_ROLES)
def nda_download(nda_id: int):
    # A viewer never gets an NDA document: 404, so its existence does not leak either.
    if not can(current_user, EDITORS_AND_LEGAL):
        raise NotFound("No such document.")
    nda = services.get_nda(get_session(), nda_id)
    path = documents.document_file(current_app.config["UPLOAD_DIR"], nda)
    if path is None:
        raise NotFound("No such document.")
    return send_file(
        path,
        mimetype="application/pdf",
        as_attachment=True,
        download_name=nda.document_name or f"nda-{nda.id}.pdf",
        max_age=0,
    )


# --- grants --------------------------------------------------------------------------------


def _grant_form(creator_id: int) -> GrantForm:
    form = GrantForm()
    form.product_id.choices = _product_choices()
    ndas = get_session().scalars(
        select(Nda).where(Nda.creator_id == creator_id, Nda.status == "signed").order_by(Nda.id)
    )
    form.nda_id.choices = choices(
        [(0, "Choose automatically")]
        + [(n.id, f"NDA #{n.id} ({n.effective_on} – {n.expires_on or 'open-ended'})") for n in ndas]
    )
    return form


@bp.route("/grants/new", methods=["GET", "POST"])
@allow(EDITORS)
@recent_login_required
def grant_new():
    creator = _creator(request.values.get("creator_id"))
    form = _grant_form(creator.id)
    status = 200
    refusal = None
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            db = get_session()
            try:
                grant = services.create_grant(
                    db,
                    current_user,
                    creator_id=creator.id,
                    product_id=form.product_id.data,
                    nda_id=form.nda_id.data or None,
                    starts_on=form.starts_on.data,
                    ends_on=form.ends_on.data,
                    tier=form.tier.data,
                    monthly_value=form.monthly_value.data or None,
                    currency=form.currency.data or None,
                )
            except Invalid as exc:
                db.rollback()
                apply_errors(form, exc)
            except Conflict as exc:
                db.rollback()
                refusal, status = exc.detail, 409
            else:
                db.commit()
                flash(f"Grant #{grant.id} created.", "success")
                return redirect(url_for("agreements.grant_detail", grant_id=grant.id))
    form.creator_id.data = creator.id
    return render_template(
        "agreements/grant_form.html", form=form, creator=creator, refusal=refusal
    ), status


@bp.get("/grants/<int:grant_id>")
@allow(ALL_ROLES)
def grant_detail(grant_id: int):
    db = get_session()
    grant = services.get_grant(db, grant_id)
    return render_template(
        "agreements/grant_detail.html",
        grant=grant,
        creator=queries.creator_of(db, grant.creator_id),
        revoke_form=RevokeForm(),
        in_kind=queries.in_kind_value(grant, today()),
        active_days=queries.active_days(grant, today()),
    )


@bp.post("/grants/<int:grant_id>/revoke")
@allow(EDITORS)
def grant_revoke(grant_id: int):
    db = get_session()
    grant = services.get_grant(db, grant_id)
    form = RevokeForm()
    form.validate_on_submit()
    try:
        services.revoke_grant(db, current_user, grant, form.reason.data, today())
    except (Conflict, Invalid) as exc:
        db.rollback()
        flash(exc.detail, "danger")
    else:
        db.commit()
        flash(f"Grant #{grant.id} revoked.", "success")
    return redirect(url_for("agreements.grant_detail", grant_id=grant_id))


@bp.post("/grants/<int:grant_id>/resume")
@allow(EDITORS)
@recent_login_required
def grant_resume(grant_id: int):
    db = get_session()
    grant = services.get_grant(db, grant_id)
    StatusForm()
    try:
        services.update_grant(db, current_user, grant, today(), status="active")
    except (Conflict, Invalid) as exc:
        db.rollback()
        flash(exc.detail, "danger")
    else:
        db.commit()
        flash(f"Grant #{grant.id} is active again.", "success")
    return redirect(url_for("agreements.grant_detail", grant_id=grant_id))


# --- deals and payments --------------------------------------------------------------------


def _deal_form(creator_id: int, deal=None) -> DealForm:
    if request.method == "GET" and deal is not None:
        form = DealForm(obj=deal)
        form.fee.data = services._dec(deal.fee_minor, deal.currency) or ""
        form.in_kind_value.data = services._dec(deal.in_kind_value_minor, deal.currency) or ""
        form.grant_ids.data = [g.id for g in deal.grants]
    else:
        form = DealForm()
    grants = get_session().scalars(
        select(Grant).where(Grant.creator_id == creator_id).order_by(Grant.id.desc())
    )
    form.grant_ids.choices = choices(
        (g.id, f"#{g.id} {g.product.name} ({g.status}, {g.starts_on} – {g.ends_on})")
        for g in grants
    )
    return form


def _deal_fields(form: DealForm) -> dict:
    return {
        "title": form.title.data,
        "kind": form.kind.data,
        "fee": form.fee.data or None,
        "in_kind_value": form.in_kind_value.data or None,
        "currency": form.currency.data or None,
        "grant_ids": form.grant_ids.data or [],
        "starts_on": form.starts_on.data,
        "ends_on": form.ends_on.data,
        "deliverables": form.deliverables.data,
        "usage_rights": form.usage_rights.data,
        "usage_rights_until": form.usage_rights_until.data,
    }


@bp.route("/deals/new", methods=["GET", "POST"])
@allow(EDITORS)
def deal_new():
    creator = _creator(request.values.get("creator_id"))
    form = _deal_form(creator.id)
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            db = get_session()
            try:
                deal = services.create_deal(
                    db, current_user, creator_id=creator.id, **_deal_fields(form)
                )
            except Invalid as exc:
                db.rollback()
                apply_errors(form, exc)
            else:
                db.commit()
                flash(f"Deal “{deal.title}” created.", "success")
                return redirect(url_for("agreements.deal_detail", deal_id=deal.id))
    form.creator_id.data = creator.id
    return render_template(
        "agreements/deal_form.html", form=form, creator=creator, deal=None
    ), status


@bp.route("/deals/<int:deal_id>/edit", methods=["GET", "POST"])
@allow(EDITORS)
def deal_edit(deal_id: int):
    db = get_session()
    deal = services.get_deal(db, deal_id)
    form = _deal_form(deal.creator_id, deal)
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                services.update_deal(db, current_user, deal, **_deal_fields(form))
            except Invalid as exc:
                db.rollback()
                apply_errors(form, exc)
            except Conflict as exc:
                db.rollback()
                form.form_errors = [exc.detail]
                status = 409
            else:
                db.commit()
                flash("Deal saved.", "success")
                return redirect(url_for("agreements.deal_detail", deal_id=deal.id))
    creator = queries.creator_of(db, deal.creator_id)
    return render_template(
        "agreements/deal_form.html", form=form, creator=creator, deal=deal
    ), status


@bp.get("/deals/<int:deal_id>")
@allow(ALL_ROLES)
def deal_detail(deal_id: int, payment_form=None, status=200):
    db = get_session()
    deal = services.get_deal(db, deal_id)
    totals = queries.totals_for([deal], [], today())
    return render_template(
        "agreements/deal_detail.html",
        deal=deal,
        notices=notices_for("deal", db, deal, current_user),
        creator=queries.creator_of(db, deal.creator_id),
        transitions=services.DEAL_TRANSITIONS[deal.status],
        payment_form=payment_form or PaymentForm(),
        paid_form=PaidForm(),
        totals=totals,
        today=today(),
    ), status


@bp.post("/deals/<int:deal_id>/status")
@allow(EDITORS)
def deal_transition(deal_id: int):
    db = get_session()
    deal = services.get_deal(db, deal_id)
    form = StatusForm()
    if not form.validate_on_submit():
        raise Invalid({"status": form.status.errors or ["is required"]})
    try:
        services.update_deal(db, current_user, deal, status=form.status.data)
    except (Conflict, Invalid) as exc:
        db.rollback()
        flash(exc.detail, "danger")
    else:
        db.commit()
        flash(f"Deal is now {deal.status}.", "success")
    return redirect(url_for("agreements.deal_detail", deal_id=deal_id))


@bp.post("/deals/<int:deal_id>/payments")
@allow(EDITORS)
def payment_add(deal_id: int):
    db = get_session()
    deal = services.get_deal(db, deal_id)
    form = PaymentForm()
    if form.validate_on_submit():
        try:
            services.add_payment(
                db,
                current_user,
                deal,
                due_on=form.due_on.data,
                amount=form.amount.data,
                paid_on=form.paid_on.data,
                note=form.note.data,
            )
        except Invalid as exc:
            db.rollback()
            apply_errors(form, exc)
        except Conflict as exc:
            db.rollback()
            flash(exc.detail, "danger")
            return redirect(url_for("agreements.deal_detail", deal_id=deal_id))
        else:
            db.commit()
            flash("Payment scheduled.", "success")
            return redirect(url_for("agreements.deal_detail", deal_id=deal_id))
    return deal_detail(deal_id, payment_form=form, status=422)


@bp.post("/payments/<int:payment_id>/paid")
@allow(EDITORS)
def payment_paid(payment_id: int):
    db = get_session()
    payment = services.get_payment(db, payment_id)
    form = PaidForm()
    paid_on = form.paid_on.data if form.validate_on_submit() else today()
    try:
        services.mark_paid(db, current_user, payment, paid_on)
    except (Conflict, Invalid) as exc:
        db.rollback()
        flash(exc.detail, "danger")
    else:
        db.commit()
        flash(f"Payment marked paid on {paid_on}.", "success")
    return redirect(url_for("agreements.deal_detail", deal_id=payment.deal_id))
