"""Agreements pages: products and their release dates (admin)."""

from __future__ import annotations

from flask import (
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from crm.agreements import queries, services
from crm.agreements.forms import (
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
        render=lambda status: (
            render_template("agreements/product_edit.html", product=product, form=form),
            status,
        ),
        success=lambda _: (f"Product {product.name} saved.", url_for("agreements.products")),
    )
