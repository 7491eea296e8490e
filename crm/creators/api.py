"""API: creators, their accounts and interactions (DESIGN section 5). The bodies and
documents are in crm/creators/schemas.py."""

from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user
from sqlalchemy import select

from crm.api.base import ApiRoutes, created, doc, page_response, parse_body, query_limit
from crm.common.pagination import SortKey, keyset_page
from crm.common.permissions import ADMINS, ALL_ROLES, EDITORS, allow
from crm.common.timeutil import org_today
from crm.creators import erasure, listing, services
from crm.creators.models import Account, Interaction
from crm.creators.schemas import (
    AccountIn,
    AccountOut,
    AccountPatch,
    CreatorIn,
    CreatorOut,
    CreatorPatch,
    EraseIn,
    ErasureOut,
    InteractionIn,
    InteractionOut,
    account_json,
    creator_json,
    interaction_json,
)
from crm.db import get_session

routes = ApiRoutes()


def _detail(creator_id: int):
    db = get_session()
    return jsonify(creator_json(services.get_creator(db, creator_id, details=True), details=True))


# --- creators -------------------------------------------------------------------------------


@routes.get("/creators")
@allow(ALL_ROLES)
@doc(
    "Creators (archived ones only with archived=1)",
    list_of=CreatorOut,
    query={
        "q": {"type": "string", "description": "name, handle, email or tag"},
        "status": {"type": "string"},
        "owner_id": {"type": "string", "description": "a user id, me or none"},
        "platform": {"type": "string"},
        "tag": {"type": "string"},
        "country": {"type": "string"},
        "sort": {"type": "string", "enum": list(listing.SORTS)},
        "archived": {"type": "boolean"},
        "cf.<key>": {
            "type": "string",
            "description": "a custom field's value (several choices: one of them)",
        },
    },
)
def list_creators():
    db = get_session()
    filters = listing.parse_filters(request.args, current_user)
    page = listing.list_creators(
        db, current_user, filters, request.args.get("cursor"), query_limit()
    )
    return page_response(page, creator_json)


@routes.post("/creators")
@allow(EDITORS)
@doc(
    "Add a creator (owner: the caller; an admin may name another)",
    body=CreatorIn,
    response=CreatorOut,
    status=201,
)
def create_creator():
    body = parse_body(CreatorIn)
    db = get_session()
    data = body.model_dump()
    if "owner_id" not in body.model_fields_set:
        data.pop("owner_id")
    creator = services.create_creator(db, current_user, data)
    db.commit()
    response = _detail(creator.id)
    response.status_code = 201
    return response


@routes.get("/creators/<int:creator_id>")
@allow(ALL_ROLES)
@doc("A creator with accounts and representatives", response=CreatorOut)
def get_creator(creator_id: int):
    return _detail(creator_id)


@routes.patch("/creators/<int:creator_id>")
@allow(EDITORS)
@doc("Change a creator (owner_id: admin only)", body=CreatorPatch, response=CreatorOut)
def patch_creator(creator_id: int):
    db = get_session()
    creator = services.get_creator(db, creator_id)
    body = parse_body(CreatorPatch)
    services.update_creator(db, current_user, creator, body.model_dump(exclude_unset=True))
    db.commit()
    return _detail(creator_id)


@routes.delete("/creators/<int:creator_id>")
@allow(EDITORS)
@doc("Archive a creator (history is kept)", response=CreatorOut)
def archive_creator(creator_id: int):
    db = get_session()
    services.archive_creator(db, current_user, services.get_creator(db, creator_id))
    db.commit()
    return _detail(creator_id)


@routes.post("/creators/<int:creator_id>/erase")
@allow(ADMINS)
@doc(
    "Erase a creator's personal data (admin only; refused with 409 while an NDA or deal is "
    "in force unless confirm_in_force is true, or when already erased)",
    body=EraseIn,
    response=ErasureOut,
    errors=(409,),
)
def erase_creator(creator_id: int):
    db = get_session()
    creator = services.get_creator(db, creator_id)
    body = parse_body(EraseIn)
    report = erasure.erase_creator(
        db,
        current_user,
        creator,
        today=org_today(),
        confirm_in_force=body.confirm_in_force,
    )
    db.commit()
    return jsonify(report.as_dict())


# --- accounts -------------------------------------------------------------------------------


@routes.get("/creators/<int:creator_id>/accounts")
@allow(ALL_ROLES)
@doc("A creator's accounts", list_of=AccountOut)
def list_accounts(creator_id: int):
    db = get_session()
    services.get_creator(db, creator_id)
    stmt = select(Account).where(Account.creator_id == creator_id)
    page = keyset_page(
        db, stmt, [SortKey(Account.id, "id")], request.args.get("cursor"), query_limit()
    )
    return page_response(page, account_json)


@routes.post("/creators/<int:creator_id>/accounts")
@allow(EDITORS)
@doc(
    "Add an account; 409 names the creator who holds the handle",
    body=AccountIn,
    response=AccountOut,
    status=201,
    errors=(409,),
)
def create_account(creator_id: int):
    db = get_session()
    creator = services.get_creator(db, creator_id)
    body = parse_body(AccountIn)
    account = services.add_account(db, current_user, creator, body.model_dump())
    db.commit()
    return created(account_json(account))


@routes.get("/accounts/<int:account_id>")
@allow(ALL_ROLES)
@doc("An account", response=AccountOut)
def get_account(account_id: int):
    return jsonify(account_json(services.get_account(get_session(), account_id)))


@routes.patch("/accounts/<int:account_id>")
@allow(EDITORS)
@doc(
    "Change an account; 409 when the handle belongs to another creator",
    body=AccountPatch,
    response=AccountOut,
    errors=(409,),
)
def patch_account(account_id: int):
    db = get_session()
    account = services.get_account(db, account_id)
    body = parse_body(AccountPatch)
    services.update_account(db, current_user, account, body.model_dump(exclude_unset=True))
    db.commit()
    return jsonify(account_json(account))


@routes.delete("/accounts/<int:account_id>")
@allow(EDITORS)
@doc("Remove an account", status=204)
def delete_account(account_id: int):
    db = get_session()
    services.delete_account(db, current_user, services.get_account(db, account_id))
    db.commit()
    return "", 204


# --- interactions ---------------------------------------------------------------------------


@routes.get("/creators/<int:creator_id>/interactions")
@allow(ALL_ROLES)
@doc("A creator's interactions, newest first", list_of=InteractionOut)
def list_interactions(creator_id: int):
    db = get_session()
    services.get_creator(db, creator_id)
    stmt = select(Interaction).where(Interaction.creator_id == creator_id)
    order = [
        SortKey(Interaction.occurred_at, "occurred_at", True),
        SortKey(Interaction.id, "id", True),
    ]
    page = keyset_page(db, stmt, order, request.args.get("cursor"), query_limit())
    return page_response(page, interaction_json)


@routes.post("/creators/<int:creator_id>/interactions")
@allow(EDITORS)
@doc("Record an interaction", body=InteractionIn, response=InteractionOut, status=201)
def create_interaction(creator_id: int):
    db = get_session()
    creator = services.get_creator(db, creator_id)
    body = parse_body(InteractionIn)
    interaction = services.record_interaction(
        db,
        current_user,
        creator,
        kind=body.kind,
        occurred_at=body.occurred_at,
        summary=body.summary,
    )
    db.commit()
    return created(interaction_json(interaction))
