"""API for products, NDAs, grants, deals and payments (DESIGN section 5).

Money is a decimal string plus its currency (`"fee": "1500.00", "currency": "USD"`); for a
viewer every amount field, and its currency, is left out of the JSON.
"""

from __future__ import annotations

from datetime import date

from flask import jsonify, request
from flask_login import current_user
from pydantic import Field

from crm.agreements import queries, services
from crm.agreements.models import DEAL_STATUSES, GRANT_STATUSES, NDA_STATUSES
from crm.api.base import (
    ApiModel,
    ApiRoutes,
    OutModel,
    created,
    doc,
    iso,
    page_response,
    parse_body,
    query_choice,
    query_int,
    query_limit,
)
from crm.common import money
from crm.common.permissions import ADMINS, ALL_ROLES, EDITORS, EDITORS_AND_LEGAL, allow, can
from crm.common.permissions import can_see_money as _can_see_money
from crm.common.timeutil import org_today
from crm.db import get_session

routes = ApiRoutes()


def _today() -> date:
    return org_today()


def _amounts(payload: dict, currency: str | None, **amounts) -> dict:
    """Add amount fields as decimal strings, unless the caller may not see money."""
    if not _can_see_money(current_user):
        return payload
    payload["currency"] = currency
    for key, minor in amounts.items():
        payload[key] = (
            None if minor is None or not currency else money.to_decimal_string(minor, currency)
        )
    return payload


# --- bodies and responses ------------------------------------------------------------------


class ProductIn(ApiModel):
    name: str
    aliases: list[str] = Field(default_factory=list)
    public_on: date | None = None


class ProductPatch(ApiModel):
    name: str | None = None
    aliases: list[str] | None = None
    public_on: date | None = None


class ProductOut(OutModel):
    id: int
    name: str
    aliases: list[str]
    public_on: str | None
    released: bool


class NdaIn(ApiModel):
    creator_id: int
    product_ids: list[int] = Field(default_factory=list)
    effective_on: date | None = None
    expires_on: date | None = None
    terms: str = ""


class NdaPatch(ApiModel):
    product_ids: list[int] | None = None
    effective_on: date | None = None
    expires_on: date | None = None
    terms: str | None = None
    status: str | None = None


class NdaOut(OutModel):
    id: int
    creator_id: int
    status: str
    effective_on: str | None
    expires_on: str | None
    product_ids: list[int]
    terms: str | None = None  # NDA content: left out for viewers
    has_document: bool | None = None
    allowed_transitions: list[str]


class GrantIn(ApiModel):
    creator_id: int
    product_id: int
    nda_id: int | None = None
    starts_on: date
    ends_on: date
    tier: str = ""
    monthly_value: str | None = None
    currency: str | None = None


class GrantPatch(ApiModel):
    nda_id: int | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    tier: str | None = None
    monthly_value: str | None = None
    currency: str | None = None
    status: str | None = None


class GrantRevokeIn(ApiModel):
    reason: str


class GrantOut(OutModel):
    id: int
    creator_id: int
    product_id: int
    nda_id: int | None
    starts_on: str
    ends_on: str
    tier: str
    status: str
    monthly_value: str | None = None
    currency: str | None = None


class DealIn(ApiModel):
    creator_id: int
    title: str
    kind: str
    fee: str | None = None
    in_kind_value: str | None = None
    currency: str | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    deliverables: str = ""
    usage_rights: str = ""
    usage_rights_until: date | None = None
    grant_ids: list[int] = Field(default_factory=list)


class DealPatch(ApiModel):
    title: str | None = None
    kind: str | None = None
    fee: str | None = None
    in_kind_value: str | None = None
    currency: str | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    deliverables: str | None = None
    usage_rights: str | None = None
    usage_rights_until: date | None = None
    grant_ids: list[int] | None = None
    status: str | None = None


class PaymentIn(ApiModel):
    due_on: date
    amount: str
    currency: str | None = None
    paid_on: date | None = None
    note: str = ""


class PaymentOut(OutModel):
    id: int
    deal_id: int
    due_on: str
    paid_on: str | None
    note: str
    amount: str | None = None
    currency: str | None = None


class DealOut(OutModel):
    id: int
    creator_id: int
    title: str
    kind: str
    status: str
    starts_on: str | None
    ends_on: str | None
    deliverables: str
    usage_rights: str
    usage_rights_until: str | None
    grant_ids: list[int]
    payments: list[PaymentOut]
    fee: str | None = None
    in_kind_value: str | None = None
    currency: str | None = None


# --- serializers ---------------------------------------------------------------------------


def product_json(p) -> dict:
    return {
        "id": p.id,
        "name": p.name,
        "aliases": list(p.aliases or []),
        "public_on": iso(p.public_on),
        "released": services.product_is_released(p, _today()),
    }


def nda_json(n) -> dict:
    payload = {
        "id": n.id,
        "creator_id": n.creator_id,
        "status": n.status,
        "effective_on": iso(n.effective_on),
        "expires_on": iso(n.expires_on),
        "product_ids": sorted(p.id for p in n.products),
        "allowed_transitions": list(services.NDA_TRANSITIONS[n.status]),
    }
    if can(current_user, EDITORS_AND_LEGAL):  # terms and the document are NDA content
        payload["terms"] = n.terms
        payload["has_document"] = bool(n.document_path)
    return payload


def grant_json(g) -> dict:
    payload = {
        "id": g.id,
        "creator_id": g.creator_id,
        "product_id": g.product_id,
        "nda_id": g.nda_id,
        "starts_on": iso(g.starts_on),
        "ends_on": iso(g.ends_on),
        "tier": g.tier,
        "status": g.status,
        "revoked_reason": g.revoked_reason,
    }
    return _amounts(payload, g.currency, monthly_value=g.monthly_value_minor)


def payment_json(p) -> dict:
    payload = {
        "id": p.id,
        "deal_id": p.deal_id,
        "due_on": iso(p.due_on),
        "paid_on": iso(p.paid_on),
        "note": p.note,
    }
    return _amounts(payload, p.currency, amount=p.amount_minor)


def deal_json(d) -> dict:
    payload = {
        "id": d.id,
        "creator_id": d.creator_id,
        "title": d.title,
        "kind": d.kind,
        "status": d.status,
        "starts_on": iso(d.starts_on),
        "ends_on": iso(d.ends_on),
        "deliverables": d.deliverables,
        "usage_rights": d.usage_rights,
        "usage_rights_until": iso(d.usage_rights_until),
        "grant_ids": sorted(g.id for g in d.grants),
        "payments": [payment_json(p) for p in d.payments],
    }
    return _amounts(payload, d.currency, fee=d.fee_minor, in_kind_value=d.in_kind_value_minor)


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
    services.edit_nda(db, current_user, nda, changes, _today())
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
    services.update_grant(db, current_user, grant, _today(), **fields)
    db.commit()
    return jsonify(grant_json(grant))


@routes.post("/grants/<int:grant_id>/revoke")
@allow(EDITORS)
@doc("Revoke a grant, with a reason", body=GrantRevokeIn, response=GrantOut, errors=(404, 409, 422))
def grants_revoke(grant_id: int):
    db = get_session()
    grant = services.get_grant(db, grant_id)
    body = parse_body(GrantRevokeIn)
    services.revoke_grant(db, current_user, grant, body.reason, _today())
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
    },
)
def deals_list():
    page = queries.list_deals(
        get_session(),
        creator_id=query_int("creator_id"),
        status=query_choice("status", DEAL_STATUSES),
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
     errors=(404, 409, 422))  # fmt: skip
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
