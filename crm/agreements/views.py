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
from crm.common.errors import Invalid, NotFound
from crm.common.filenames import download_name
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
from crm.common.timeutil import org_today
from crm.db import get_session
from crm.web.forms import choices, handle_action, handle_form
from crm.web.security import recent_login_required
from crm.web.uploads import has_file, with_upload

bp = Blueprint("agreements", __name__, url_prefix="/agreements")


def today():
    return org_today()


def _creator(creator_id) -> object:
    creator_id = parse_id(creator_id)
    creator = queries.creator_of(get_session(), creator_id) if creator_id else None
    if creator is None:
        raise NotFound("Choose a creator first (from the creator's page).")
    return creator


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
    return handle_form(
        form,
        lambda db: services.create_product(
            db,
            current_user,
            name=form.name.data,
            aliases=_aliases(form.aliases.data),
            public_on=form.public_on.data,
        ),
        render=lambda status: _products_page(form, status),
        success=lambda product: (f"Product {product.name} added.", url_for("agreements.products")),
    )


@bp.route("/products/<int:product_id>/edit", methods=["GET", "POST"])
@allow(ADMINS)
def product_edit(product_id: int):
    db = get_session()
    product = services.get_product(db, product_id)
    form = ProductForm(obj=product) if request.method == "GET" else ProductForm()
    if request.method == "GET":
        form.aliases.data = ", ".join(product.aliases or [])
    return handle_form(
        form,
        lambda db: services.update_product(
            db,
            current_user,
            product,
            name=form.name.data,
            aliases=_aliases(form.aliases.data),
            public_on=form.public_on.data,
        ),
        render=lambda status: (
            render_template("agreements/product_edit.html", product=product, form=form),
            status,
        ),
        success=lambda _: (f"Product {product.name} saved.", url_for("agreements.products")),
    )


# --- NDAs ----------------------------------------------------------------------------------


def _product_choices():
    return choices((p.id, p.name) for p in queries.list_products(get_session()))


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
    )


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
        success=lambda _: (f"NDA #{nda.id} is now {nda.status}.", back),
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
    back = url_for("agreements.nda_detail", nda_id=nda_id)
    upload = DocumentForm().document.data
    if not has_file(upload):
        flash("Choose the signed PDF to upload.", "danger")
        return redirect(back, 303)
    upload_dir = current_app.config["UPLOAD_DIR"]
    return handle_action(
        with_upload(
            upload,
            allowance=lambda: uploads.allowance(db, current_user, current_app.config),
            store=lambda stream, filename, quota: documents.write_document(
                nda, stream, filename, upload_dir, max_bytes=limit, allowance=quota
            ),
            call=lambda db, stored: documents.attach_document(db, current_user, nda, stored),
            discard=lambda stored: documents.remove_file(upload_dir, stored.path),
            after_commit=lambda previous: documents.remove_file(upload_dir, previous),
        ),
        success=lambda _: (
            f"Signed document stored (SHA-256 {(nda.document_sha256 or '')[:12]}…).",
            back,
        ),
        back=back,
        refusals=(),
    )


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
        download_name=download_name(nda.document_name, f"nda-{nda.id}.pdf"),
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

    def render(status):
        # A refusal by the NDA rule is shown in its own box above the form.
        refusal = " ".join(form.form_errors) if status == 409 else None
        if refusal:
            form.form_errors = []
        form.creator_id.data = creator.id
        page = render_template(
            "agreements/grant_form.html", form=form, creator=creator, refusal=refusal
        )
        return page, status

    return handle_form(
        form,
        lambda db: services.create_grant(
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
        ),
        render=render,
        success=lambda grant: (
            f"Grant #{grant.id} created.",
            url_for("agreements.grant_detail", grant_id=grant.id),
        ),
    )


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
    grant = services.get_grant(get_session(), grant_id)
    form = RevokeForm()
    form.validate_on_submit()
    back = url_for("agreements.grant_detail", grant_id=grant_id)
    return handle_action(
        lambda db: services.revoke_grant(db, current_user, grant, form.reason.data, today()),
        success=(f"Grant #{grant.id} revoked.", back),
        back=back,
    )


@bp.post("/grants/<int:grant_id>/resume")
@allow(EDITORS)
@recent_login_required
def grant_resume(grant_id: int):
    grant = services.get_grant(get_session(), grant_id)
    StatusForm()
    back = url_for("agreements.grant_detail", grant_id=grant_id)
    return handle_action(
        lambda db: services.update_grant(db, current_user, grant, today(), status="active"),
        success=(f"Grant #{grant.id} is active again.", back),
        back=back,
    )


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

    def render(status):
        form.creator_id.data = creator.id
        page = render_template("agreements/deal_form.html", form=form, creator=creator, deal=None)
        return page, status

    return handle_form(
        form,
        lambda db: services.create_deal(
            db, current_user, creator_id=creator.id, **_deal_fields(form)
        ),
        render=render,
        success=lambda deal: (
            f"Deal “{deal.title}” created.",
            url_for("agreements.deal_detail", deal_id=deal.id),
        ),
    )


@bp.route("/deals/<int:deal_id>/edit", methods=["GET", "POST"])
@allow(EDITORS)
def deal_edit(deal_id: int):
    db = get_session()
    deal = services.get_deal(db, deal_id)
    form = _deal_form(deal.creator_id, deal)

    def render(status):
        creator = queries.creator_of(db, deal.creator_id)
        page = render_template("agreements/deal_form.html", form=form, creator=creator, deal=deal)
        return page, status

    return handle_form(
        form,
        lambda db: services.update_deal(db, current_user, deal, **_deal_fields(form)),
        render=render,
        success=("Deal saved.", url_for("agreements.deal_detail", deal_id=deal.id)),
    )


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
    deal = services.get_deal(get_session(), deal_id)
    form = StatusForm()
    if not form.validate_on_submit():
        raise Invalid({"status": form.status.errors or ["is required"]})
    back = url_for("agreements.deal_detail", deal_id=deal_id)
    return handle_action(
        lambda db: services.update_deal(db, current_user, deal, status=form.status.data),
        success=lambda _: (f"Deal is now {deal.status}.", back),
        back=back,
    )


@bp.post("/deals/<int:deal_id>/payments")
@allow(EDITORS)
def payment_add(deal_id: int):
    deal = services.get_deal(get_session(), deal_id)
    form = PaymentForm()
    back = url_for("agreements.deal_detail", deal_id=deal_id)
    return handle_form(
        form,
        lambda db: services.add_payment(
            db,
            current_user,
            deal,
            due_on=form.due_on.data,
            amount=form.amount.data,
            paid_on=form.paid_on.data,
            note=form.note.data,
        ),
        render=lambda status: deal_detail(deal_id, payment_form=form, status=status),
        success=("Payment scheduled.", back),
        conflict_back=back,
        once=True,
    )


@bp.post("/payments/<int:payment_id>/paid")
@allow(EDITORS)
def payment_paid(payment_id: int):
    payment = services.get_payment(get_session(), payment_id)
    form = PaidForm()
    paid_on = form.paid_on.data if form.validate_on_submit() else today()
    back = url_for("agreements.deal_detail", deal_id=payment.deal_id)
    return handle_action(
        lambda db: services.mark_paid(db, current_user, payment, paid_on),
        success=(f"Payment marked paid on {paid_on}.", back),
        back=back,
    )
