"""JSON API for licences and their payouts. Apart from api.py (works, consents, registry) to
keep each module to one resource; crm.licensing.register extends the API routes with this
list right after api.routes, so the route order is unchanged."""

from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user
from sqlalchemy.orm import selectinload

from crm.api.base import (
    ApiRoutes,
    created,
    doc,
    page_response,
    parse_body,
    query_int,
    query_limit,
)
from crm.common.pagination import SortKey, keyset_page
from crm.common.permissions import ALL_ROLES, EDITORS, allow
from crm.db import get_session
from crm.licensing import licences as lic
from crm.licensing import services
from crm.licensing.models import Licence
from crm.licensing.schemas import (
    LicenceIn,
    LicenceOut,
    LicencePatch,
    PaidIn,
    PayoutIn,
    PayoutOut,
    licence_json,
    payout_json,
)

routes = ApiRoutes()

# --- licences and payouts ------------------------------------------------------------------


@routes.get("/licences")
@allow(ALL_ROLES)
@doc("Licences, by id", list_of=LicenceOut, query={"creator_id": {"type": "integer"}})
def licences_index():
    from sqlalchemy import select

    stmt = select(Licence).options(selectinload(Licence.works))
    creator_id = query_int("creator_id")
    if creator_id is not None:
        stmt = stmt.where(Licence.creator_id == creator_id)
    page = keyset_page(
        get_session(),
        stmt,
        [SortKey(Licence.id, "id")],
        request.args.get("cursor"),
        query_limit(),
    )
    return page_response(page, lambda x: licence_json(x, sorted(w.id for w in x.works)))


@routes.post("/licences")
@allow(EDITORS)
@doc(
    "Create a licence over allowed works",
    body=LicenceIn,
    response=LicenceOut,
    status=201,
    errors=(409,),
)
def licences_create():
    body = parse_body(LicenceIn)
    db = get_session()
    licence = lic.create_licence(db, current_user, **body.model_dump())
    db.commit()
    return created(licence_json(licence, sorted(w.id for w in licence.works)))


@routes.get("/licences/<int:licence_id>")
@allow(ALL_ROLES)
@doc("One licence", response=LicenceOut)
def licences_show(licence_id: int):
    db = get_session()
    licence = lic.get_licence(db, licence_id, with_works=True)
    return jsonify(licence_json(licence, sorted(w.id for w in licence.works)))


@routes.patch("/licences/<int:licence_id>")
@allow(EDITORS)
@doc(
    "Change a licence (future payouts only)", body=LicencePatch, response=LicenceOut, errors=(409,)
)
def licences_update(licence_id: int):
    db = get_session()
    licence = lic.get_licence(db, licence_id, with_works=True)
    body = parse_body(LicencePatch)
    licence = lic.update_licence(db, current_user, licence, body.model_dump(exclude_unset=True))
    db.commit()
    return jsonify(licence_json(licence, sorted(w.id for w in licence.works)))


@routes.get("/licences/<int:licence_id>/payouts")
@allow(ALL_ROLES)
@doc("A licence's payouts by period", list_of=PayoutOut)
def payouts_index(licence_id: int):
    db = get_session()
    licence = lic.get_licence(db, licence_id)
    return jsonify(
        {"items": [payout_json(p) for p in lic.list_payouts(db, licence)], "next_cursor": None}
    )


@routes.post("/licences/<int:licence_id>/payouts")
@allow(EDITORS)
@doc(
    "Compute and store the payout of a period",
    body=PayoutIn,
    response=PayoutOut,
    status=201,
    errors=(409,),
)
def payouts_create(licence_id: int):
    db = get_session()
    licence = lic.get_licence(db, licence_id)
    body = parse_body(PayoutIn)
    payout = lic.compute_payout(db, current_user, licence, body.period, body.revenue)
    db.commit()
    return created(payout_json(payout))


@routes.post("/licences/<int:licence_id>/payouts/<int:payout_id>/paid")
@allow(EDITORS)
@doc("Mark a payout paid (default today)", body=PaidIn, response=PayoutOut, errors=(409,))
def payouts_paid(licence_id: int, payout_id: int):
    db = get_session()
    licence = lic.get_licence(db, licence_id)
    payout = lic.get_payout(db, licence, payout_id)
    body = parse_body(PaidIn)
    lic.mark_paid(db, current_user, payout, body.paid_on or services.today())
    db.commit()
    return jsonify(payout_json(payout))
