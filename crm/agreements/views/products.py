"""Agreements pages: products and their release dates (admin)."""

from __future__ import annotations

from flask import (
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from crm.agreements import clearance, queries, services
from crm.agreements.forms import (
    ClearanceForm,
    ProductForm,
)
from crm.agreements.views.base import bp, today
from crm.common.permissions import (
    ADMINS,
    EDITORS_AND_LEGAL,
    allow,
)
from crm.db import get_session
from crm.web.forms import handle_form
from crm.web.security import recent_login_required


def _aliases(raw: str | None) -> list[str]:
    return [a.strip() for a in (raw or "").split(",") if a.strip()]


def _products_page(form=None, status=200):
    products = queries.list_products(get_session())
    return render_template(
        "agreements/products.html", products=products, form=form or ProductForm(), today=today()
    ), status


@bp.get("/products/")
@allow(EDITORS_AND_LEGAL)
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
        render=lambda status: _product_page(product, form=form, status=status),
        success=lambda _: (f"Product {product.name} saved.", url_for("agreements.products")),
    )


def _clearance_form(db, product, view=None) -> ClearanceForm:
    form = ClearanceForm()
    form.user_ids.choices = [(u.id, f"{u.name} ({u.role})") for u in clearance.assignable_users(db)]
    if request.method == "GET" and view is not None:
        form.user_ids.data = [u.id for u in view.users]
        form.legal_cleared.data = view.legal_cleared
    return form


def _product_page(product, *, form=None, clearance_form=None, status=200):
    db = get_session()
    view = clearance.clearance_of(db, product)
    names = {u.id: u.name for u in clearance.assignable_users(db)}
    return render_template(
        "agreements/product_edit.html",
        product=product,
        form=form or ProductForm(obj=product),
        clearance=view,
        clearance_form=clearance_form or _clearance_form(db, product, view),
        history=clearance.clearance_history(db, product),
        user_names=names,
    ), status


@bp.post("/products/<int:product_id>/clearance")
@allow(ADMINS)
@recent_login_required
def product_clearance(product_id: int):
    db = get_session()
    product = services.get_product(db, product_id)
    form = _clearance_form(db, product)
    return handle_form(
        form,
        lambda db: clearance.set_clearance(
            db,
            current_user,
            product,
            user_ids=form.user_ids.data or [],
            legal_cleared=bool(form.legal_cleared.data),
        ),
        render=lambda status: _product_page(product, clearance_form=form, status=status),
        success=lambda _: (
            f"Clearance for {product.name} saved.",
            url_for("agreements.product_edit", product_id=product.id),
        ),
    )
