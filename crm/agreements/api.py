"""API for products, NDAs, grants, deals and payments (DESIGN section 5); the bodies,
documents and serialisers are in `crm.agreements.schemas`.

Money is a decimal string plus its currency (`"fee": "1500.00", "currency": "USD"`); for a
viewer every amount field, and its currency, is left out of the JSON.
"""

from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user

from crm.agreements import queries, services
from crm.agreements.models import DEAL_STATUSES, GRANT_STATUSES, NDA_STATUSES
from crm.agreements.schemas import (
    DealIn,
    DealOut,
    DealPatch,
    GrantIn,
    GrantOut,
    GrantPatch,
    GrantRevokeIn,
    NdaIn,
    NdaOut,
    NdaPatch,
    PaymentIn,
    PaymentOut,
    PaymentPatch,
    ProductIn,
    ProductOut,
    ProductPatch,
    deal_json,
    grant_json,
    nda_json,
    payment_json,
    product_json,
)
from crm.api.base import (
    ApiRoutes,
    created,
    doc,
    page_response,
    parse_body,
    query_choice,
    query_int,
    query_limit,
)
from crm.common.errors import Invalid, NotFound
from crm.common.permissions import ADMINS, ALL_ROLES, EDITORS, EDITORS_AND_LEGAL, allow
from crm.common.timeutil import org_today
from crm.creators.listing import parse_cf_args
from crm.db import get_session

routes = ApiRoutes()

# --- products ------------------------------------------------------------------------------


@routes.get("/products")
@allow(ALL_ROLES)
@doc("Products (models and tools), by name", list_of=ProductOut)
def products_list():
    items = queries.list_products(get_session())
    return jsonify({"items": [product_json(p) for p in items], "next_cursor": None})


@routes.post("/products")
@allow(ADMINS)
@doc("Add a product", body=ProductIn, response=ProductOut, status=201, errors=(422,))
def products_create():
    body = parse_body(ProductIn)
    db = get_session()
    product = services.create_product(db, current_user, **body.model_dump())
    db.commit()
    return created(product_json(product))


@routes.get("/products/<int:product_id>")
@allow(ALL_ROLES)
@doc("One product", response=ProductOut, errors=(404,))
def products_get(product_id: int):
    return jsonify(product_json(services.get_product(get_session(), product_id)))


@routes.patch("/products/<int:product_id>")
@allow(ADMINS)
@doc("Change a product (a new public_on is audited)", body=ProductPatch, response=ProductOut,
     errors=(404, 422))  # fmt: skip
def products_patch(product_id: int):
    db = get_session()
    product = services.get_product(db, product_id)
    fields = parse_body(ProductPatch).model_dump(exclude_unset=True)
    services.update_product(db, current_user, product, **fields)
    db.commit()
    return jsonify(product_json(product))


# --- NDAs ----------------------------------------------------------------------------------


@routes.get("/ndas")
@allow(ALL_ROLES)
@doc(
    "NDAs, newest first",
    list_of=NdaOut,
    query={
        "creator_id": {"type": "integer"},
        "status": {"type": "string", "enum": list(NDA_STATUSES)},
    },
)
def ndas_list():
    page = queries.list_ndas(
        get_session(),
        creator_id=query_int("creator_id"),
        status=query_choice("status", NDA_STATUSES),
        cursor=request.args.get("cursor"),
        limit=query_limit(),
    )
    return page_response(page, nda_json)


@routes.post("/ndas")
@allow(EDITORS_AND_LEGAL)
@doc("Create an NDA (as a draft)", body=NdaIn, response=NdaOut, status=201, errors=(422,))
def ndas_create():
    body = parse_body(NdaIn)
    db = get_session()
    nda = services.create_nda(db, current_user, **body.model_dump())
    db.commit()
    return created(nda_json(nda))


@routes.get("/ndas/<int:nda_id>")
@allow(ALL_ROLES)
@doc("One NDA", response=NdaOut, errors=(404,))
def ndas_get(nda_id: int):
    return jsonify(nda_json(services.get_nda(get_session(), nda_id)))


@routes.patch("/ndas/<int:nda_id>")
@allow(EDITORS_AND_LEGAL)
@doc("Edit an NDA; `status` moves it along its lifecycle", body=NdaPatch, response=NdaOut,
     errors=(404, 409, 422))  # fmt: skip
def ndas_patch(nda_id: int):
    db = get_session()
    nda = services.get_nda(db, nda_id)
    changes = parse_body(NdaPatch).model_dump(exclude_unset=True)
    services.edit_nda(db, current_user, nda, changes, org_today())
    db.commit()
    return jsonify(nda_json(nda))


# --- grants --------------------------------------------------------------------------------


@routes.get("/grants")
@allow(ALL_ROLES)
@doc(
    "Grants of access, newest first",
    list_of=GrantOut,
    query={
        "creator_id": {"type": "integer"},
        "product_id": {"type": "integer"},
        "status": {"type": "string", "enum": list(GRANT_STATUSES)},
    },
)
def grants_list():
    page = queries.list_grants(
        get_session(),
        creator_id=query_int("creator_id"),
        product_id=query_int("product_id"),
        status=query_choice("status", GRANT_STATUSES),
        cursor=request.args.get("cursor"),
        limit=query_limit(),
    )
    return page_response(page, grant_json)


@routes.post("/grants")
@allow(EDITORS)
@doc("Grant access; R1 refuses an unreleased product without a fitting signed NDA (409)",
     body=GrantIn, response=GrantOut, status=201, errors=(409, 422))  # fmt: skip
def grants_create():
    body = parse_body(GrantIn)
    db = get_session()
    grant = services.create_grant(db, current_user, **body.model_dump())
    db.commit()
    return created(grant_json(grant))


@routes.get("/grants/<int:grant_id>")
@allow(ALL_ROLES)
@doc("One grant", response=GrantOut, errors=(404,))
def grants_get(grant_id: int):
    return jsonify(grant_json(services.get_grant(get_session(), grant_id)))


@routes.patch("/grants/<int:grant_id>")
@allow(EDITORS)
@doc("Edit a grant (R1 re-checked); `status: active` resumes a suspended one",
     body=GrantPatch, response=GrantOut, errors=(404, 409, 422))  # fmt: skip
def grants_patch(grant_id: int):
    db = get_session()
    grant = services.get_grant(db, grant_id)
    fields = parse_body(GrantPatch).model_dump(exclude_unset=True)
    services.update_grant(db, current_user, grant, org_today(), **fields)
    db.commit()
    return jsonify(grant_json(grant))


@routes.post("/grants/<int:grant_id>/revoke")
@allow(EDITORS)
@doc("Revoke a grant, with a reason", body=GrantRevokeIn, response=GrantOut, errors=(404, 409, 422))
def grants_revoke(grant_id: int):
    db = get_session()
    grant = services.get_grant(db, grant_id)
    body = parse_body(GrantRevokeIn)
    services.revoke_grant(db, current_user, grant, body.reason, org_today())
    db.commit()
    return jsonify(grant_json(grant))


# --- deals and payments --------------------------------------------------------------------


@routes.get("/deals")
@allow(ALL_ROLES)
@doc(
    "Deals, newest first",
    list_of=DealOut,
    query={
        "creator_id": {"type": "integer"},
        "status": {"type": "string", "enum": list(DEAL_STATUSES)},
        "cf.<key>": {"type": "string", "description": "a custom field's value"},
    },
)
def deals_list():
    page = queries.list_deals(
        get_session(),
        creator_id=query_int("creator_id"),
        status=query_choice("status", DEAL_STATUSES),
        cf=parse_cf_args(request.args),
        cursor=request.args.get("cursor"),
        limit=query_limit(),
    )
    return page_response(page, deal_json)


@routes.post("/deals")
@allow(EDITORS)
@doc("Create a deal (proposed)", body=DealIn, response=DealOut, status=201, errors=(422,))
def deals_create():
    body = parse_body(DealIn).model_dump()
    db = get_session()
    deal = services.create_deal(db, current_user, **body)
    db.commit()
    return created(deal_json(deal))


@routes.get("/deals/<int:deal_id>")
@allow(ALL_ROLES)
@doc("One deal with its payments", response=DealOut, errors=(404,))
def deals_get(deal_id: int):
    return jsonify(deal_json(services.get_deal(get_session(), deal_id)))


@routes.patch("/deals/<int:deal_id>")
@allow(EDITORS)
@doc("Edit a deal; `status` moves it along its lifecycle", body=DealPatch, response=DealOut,
     errors=(403, 404, 409, 422))  # fmt: skip
def deals_patch(deal_id: int):
    db = get_session()
    deal = services.get_deal(db, deal_id)
    fields = parse_body(DealPatch).model_dump(exclude_unset=True)
    services.update_deal(db, current_user, deal, **fields)
    db.commit()
    return jsonify(deal_json(deal))


@routes.get("/deals/<int:deal_id>/payments")
@allow(ALL_ROLES)
@doc("A deal's payment schedule", list_of=PaymentOut, errors=(404,))
def payments_list(deal_id: int):
    deal = services.get_deal(get_session(), deal_id)
    return jsonify({"items": [payment_json(p) for p in deal.payments], "next_cursor": None})


@routes.post("/deals/<int:deal_id>/payments")
@allow(EDITORS)
@doc("Schedule a payment (in the deal's currency)", body=PaymentIn, response=PaymentOut,
     status=201, errors=(404, 409, 422))  # fmt: skip
def payments_create(deal_id: int):
    db = get_session()
    deal = services.get_deal(db, deal_id)
    body = parse_body(PaymentIn)
    payment = services.add_payment(db, current_user, deal, **body.model_dump())
    db.commit()
    return created(payment_json(payment))


@routes.patch("/deals/<int:deal_id>/payments/<int:payment_id>")
@allow(EDITORS)
@doc("Correct a payment (audited with `reason`), or void it with `voided: true`; a voided "
     "payment counts in no total", body=PaymentPatch, response=PaymentOut,
     errors=(404, 409, 422))  # fmt: skip
def payments_patch(deal_id: int, payment_id: int):
    db = get_session()
    payment = services.get_payment(db, payment_id)
    if payment.deal_id != deal_id:
        raise NotFound("No such payment.")
    fields = parse_body(PaymentPatch).model_dump(exclude_unset=True)
    reason = fields.pop("reason")
    voided = fields.pop("voided", None)
    if voided is False and payment.voided_at is not None:
        raise Invalid({"voided": ["a voided payment cannot be restored"]})
    if voided:
        if fields:
            raise Invalid({k: ["cannot be changed while voiding"] for k in sorted(fields)})
        services.void_payment(db, current_user, payment, reason=reason)
    else:
        if "due_on" in fields and fields["due_on"] is None:
            raise Invalid({"due_on": ["is required"]})
        if "note" in fields and fields["note"] is None:
            fields["note"] = ""
        services.update_payment(db, current_user, payment, reason=reason, **fields)
    db.commit()
    return jsonify(payment_json(payment))
