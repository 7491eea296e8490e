"""API for who is cleared for an unreleased product (DESIGN section 5): admins only.

`PUT` replaces the whole list (and, when given, the legal default); unknown user ids are a
422 problem and nothing changes. API tokens are a deliberate credential, so the recent-login
rule of the HTML form does not apply to them (SECURITY item 25, crm/web/security.py).
"""

from __future__ import annotations

from flask import jsonify
from flask_login import current_user

from crm.agreements import clearance, services
from crm.api.base import ApiModel, ApiRoutes, OutModel, doc, parse_body
from crm.common.permissions import ADMINS, allow
from crm.db import get_session

routes = ApiRoutes()


class ClearanceIn(ApiModel):
    user_ids: list[int]
    legal_cleared: bool | None = None


class ClearanceOut(OutModel):
    product_id: int
    restricted: bool
    legal_cleared: bool
    user_ids: list[int]


def clearance_json(view: clearance.ClearanceView) -> dict:
    return {
        "product_id": view.product.id,
        "restricted": view.restricted,
        "legal_cleared": view.legal_cleared,
        "user_ids": sorted(u.id for u in view.users),
    }


@routes.get("/products/<int:product_id>/clearance")
@allow(ADMINS)
@doc("Who is cleared for a product while it is unreleased", response=ClearanceOut,
     errors=(404,))  # fmt: skip
def clearance_get(product_id: int):
    db = get_session()
    product = services.get_product(db, product_id)
    return jsonify(clearance_json(clearance.clearance_of(db, product)))


@routes.put("/products/<int:product_id>/clearance")
@allow(ADMINS)
@doc("Replace who is cleared for a product (audited)", body=ClearanceIn,
     response=ClearanceOut, errors=(404, 422))  # fmt: skip
def clearance_put(product_id: int):
    db = get_session()
    product = services.get_product(db, product_id)
    body = parse_body(ClearanceIn)
    view = clearance.set_clearance(
        db, current_user, product, user_ids=body.user_ids, legal_cleared=body.legal_cleared
    )
    db.commit()
    return jsonify(clearance_json(view))
