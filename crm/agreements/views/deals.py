"""Agreements pages: deals, their lifecycle and their payments."""

from __future__ import annotations

from flask import (
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select

from crm.agreements import queries, services
from crm.agreements.forms import (
    DealForm,
    PaidForm,
    PaymentEditForm,
    PaymentForm,
    StatusForm,
    VoidForm,
)
from crm.agreements.models import Grant
from crm.agreements.views.base import _creator, bp, today
from crm.common.errors import Invalid
from crm.common.labels import phrase
from crm.common.permissions import (
    ALL_ROLES,
    EDITORS,
    allow,
    can_see_money,
)
from crm.common.registry import notices_for
from crm.creators import custom_fields
from crm.db import get_session
from crm.web.forms import choices, handle_action, handle_form


def _deal_form(creator_id: int, deal=None) -> DealForm:
    extra = custom_fields.list_fields(get_session(), "deal")
    form_type = custom_fields.form_class(DealForm, extra) if extra else DealForm
    if request.method == "GET" and deal is not None:
        form = form_type(obj=deal)
        custom_fields.fill_form(form, extra, deal.custom_fields)
        form.fee.data = services._dec(deal.fee_minor, deal.currency) or ""
        form.in_kind_value.data = services._dec(deal.in_kind_value_minor, deal.currency) or ""
        form.grant_ids.data = [g.id for g in deal.grants]
    else:
        form = form_type()
    form.custom = extra
    grants = get_session().scalars(
        select(Grant).where(Grant.creator_id == creator_id).order_by(Grant.id.desc())
    )
    form.grant_ids.choices = choices(
        (
            g.id,
            f"#{g.id} {g.product.name} ({phrase(g.status, 'grant_status')}, "
            f"{g.starts_on} – {g.ends_on})",
        )
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
    } | ({"custom_fields": custom_fields.form_data(form, form.custom)} if form.custom else {})


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
        on_invalid=lambda exc: custom_fields.show_errors(form, exc),
        success=lambda deal: (
            f"Deal “{deal.title}” created.",
            url_for("agreements.deal_detail", deal_id=deal.id),
        ),
        once=True,
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
        on_invalid=lambda exc: custom_fields.show_errors(form, exc),
        success=("Deal saved.", url_for("agreements.deal_detail", deal_id=deal.id)),
    )


@bp.get("/deals/<int:deal_id>")
@allow(ALL_ROLES)
def deal_detail(deal_id: int, payment_form=None, status=200, paid=None):
    """The deal page; `payment_form` or `paid` (a payment id and its refused "paid on"
    form) are shown again as typed, with their messages."""
    db = get_session()
    deal = services.get_deal(db, deal_id)
    totals = queries.totals_for([deal], [], today())
    return render_template(
        "agreements/deal_detail.html",
        deal=deal,
        notices=notices_for("deal", db, deal, current_user),
        creator=queries.creator_of(db, deal.creator_id),
        transitions=services.DEAL_TRANSITIONS.targets(deal.status),
        payment_form=payment_form or PaymentForm(formdata=None),
        paid=paid or (None, PaidForm(formdata=None)),
        totals=totals,
        custom=custom_fields.shown(db, "deal", deal.custom_fields),
        warnings=services.payment_warnings(deal) if can_see_money(current_user) else [],
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
        success=lambda _: (f"The deal is now {phrase(deal.status, 'deal_status')}.", back),
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
        once=True,
    )


@bp.post("/payments/<int:payment_id>/paid")
@allow(EDITORS)
def payment_paid(payment_id: int):
    payment = services.get_payment(get_session(), payment_id)
    deal_id = payment.deal_id
    form = PaidForm()
    return handle_form(
        form,
        lambda db: services.mark_paid(db, current_user, payment, form.paid_on.data),
        render=lambda status: deal_detail(deal_id, status=status, paid=(payment_id, form)),
        success=lambda _: (
            f"Payment marked paid on {form.paid_on.data}.",
            url_for("agreements.deal_detail", deal_id=deal_id),
        ),
    )


def _payment_page(payment, form, void_form, status):
    db = get_session()
    deal = services.get_deal(db, payment.deal_id)
    page = render_template(
        "agreements/payment_edit.html",
        payment=payment,
        deal=deal,
        creator=queries.creator_of(db, deal.creator_id),
        form=form,
        void_form=void_form,
    )
    return page, status


def _edit_form(payment) -> PaymentEditForm:
    if request.method == "GET":
        form = PaymentEditForm(obj=payment)
        form.amount.data = services._dec(payment.amount_minor, payment.currency)
        form.reason.data = ""
        return form
    return PaymentEditForm()


@bp.route("/payments/<int:payment_id>/edit", methods=["GET", "POST"])
@allow(EDITORS)
def payment_edit(payment_id: int):
    payment = services.get_payment(get_session(), payment_id)
    form = _edit_form(payment)
    back = url_for("agreements.deal_detail", deal_id=payment.deal_id)
    return handle_form(
        form,
        lambda db: services.update_payment(
            db,
            current_user,
            payment,
            reason=form.reason.data,
            due_on=form.due_on.data,
            amount=form.amount.data,
            paid_on=form.paid_on.data,
            note=form.note.data or "",
        ),
        render=lambda status: _payment_page(payment, form, VoidForm(formdata=None), status),
        success=("Payment corrected.", back),
    )


@bp.post("/payments/<int:payment_id>/void")
@allow(EDITORS)
def payment_void(payment_id: int):
    payment = services.get_payment(get_session(), payment_id)
    form = VoidForm()
    back = url_for("agreements.deal_detail", deal_id=payment.deal_id)
    return handle_form(
        form,
        lambda db: services.void_payment(db, current_user, payment, reason=form.void_reason.data),
        render=lambda status: _payment_page(payment, _edit_form(payment), form, status),
        success=("Payment voided; it no longer counts in any total.", back),
    )
