"""JSON API of rights and releases: releases, a work's licensable verdict, rights set in bulk,
and each licence's dataset manifest (Croissant JSON-LD and CSV)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from flask import Response, jsonify, request, url_for
from flask_login import current_user
from pydantic import Field, StrictInt

from crm.api.base import (
    ApiModel,
    ApiRoutes,
    OutModel,
    created,
    doc,
    page_response,
    parse_body,
    query_choice,
    query_date,
    query_int,
    query_limit,
)
from crm.common.errors import Invalid
from crm.common.pagination import SortKey, keyset_page
from crm.common.permissions import ALL_ROLES, EDITORS, EDITORS_AND_LEGAL, allow
from crm.creators.models import Creator
from crm.db import get_session
from crm.licensing import croissant, services
from crm.licensing import licences as lic
from crm.licensing.models import RELEASE_KINDS, USES, WORK_KINDS, Release
from crm.licensing.schemas import (
    RELICENSE_DOC,
    LicensableOut,
    ReleaseIn,
    ReleaseOut,
    ReleaseRevokeIn,
    release_json,
    with_relicense_not_known,
)
from crm.licensing.services import manifests, releases, rights, rights_bulk
from crm.licensing.services.licences import demand_of
from crm.licensing.services.territory import parse_territory_arg

routes = ApiRoutes()

PERIOD = {
    "period": {
        "type": "string",
        "description": "2026-11, 2026-Q4 or 2026; default the current month",
    }
}


# --- releases ------------------------------------------------------------------------------


@routes.get("/releases")
@allow(ALL_ROLES)
@doc(
    "Model and property releases, by id",
    list_of=ReleaseOut,
    query={
        "creator_id": {"type": "integer"},
        "work_id": {"type": "integer"},
        "kind": {"type": "string", "enum": RELEASE_KINDS},
    },
)
def releases_index() -> Response:
    stmt = releases.list_releases_stmt(
        query_int("creator_id"), query_int("work_id"), query_choice("kind", RELEASE_KINDS)
    )
    page = keyset_page(
        get_session(), stmt, [SortKey(Release.id, "id")], request.args.get("cursor"), query_limit()
    )
    return page_response(page, release_json)


@routes.post("/releases")
@allow(EDITORS_AND_LEGAL)
@doc(
    "Record a model or property release for one creator's works",
    body=ReleaseIn,
    response=ReleaseOut,
    status=201,
)
def releases_create() -> Response:
    body = parse_body(ReleaseIn)
    db = get_session()
    release = releases.create_release(db, current_user, **body.model_dump())
    db.commit()
    return created(release_json(release))


@routes.get("/releases/<int:release_id>")
@allow(ALL_ROLES)
@doc("One release with the works it covers", response=ReleaseOut)
def releases_show(release_id: int) -> Response:
    return jsonify(release_json(releases.get_release(get_session(), release_id)))


@routes.post("/releases/<int:release_id>/revoke")
@allow(EDITORS_AND_LEGAL)
@doc(
    "Revoke a release from a day (default today)",
    body=ReleaseRevokeIn,
    response=ReleaseOut,
    errors=(409,),
)
def releases_revoke(release_id: int) -> Response:
    db = get_session()
    release = releases.get_release(db, release_id)
    body = parse_body(ReleaseRevokeIn)
    releases.revoke_release(db, current_user, release, body.revoked_on or services.today())
    db.commit()
    return jsonify(release_json(release))


# --- the licensable verdict ----------------------------------------------------------------


@routes.get("/works/<int:work_id>/licensable")
@allow(ALL_ROLES)
@doc(
    "Whether the work may be licensed (rights and releases), and if not, what is missing",
    response=LicensableOut,
    query={
        "use": {
            "type": "array",
            "items": {"type": "string", "enum": USES},
            "description": "uses the releases must cover (repeat or comma-separate); "
            "default: releases for any use count",
        },
        "as_of": {"type": "string", "format": "date"},
        "territory": {
            "type": "string",
            "description": "releases must cover it: worldwide or country codes; "
            "default: releases for any territory count",
        },
        "licence_id": {
            "type": "integer",
            "description": "judge the work as this licence would: its uses, its territory and "
            "its term (instead of use and territory)",
        },
    },
)
def work_licensable(work_id: int) -> Response:
    uses = [u.strip() for raw in request.args.getlist("use") for u in raw.split(",") if u.strip()]
    if any(u not in USES for u in uses):
        raise Invalid({"use": [f"must be among {', '.join(USES)}"]})
    uses = list(dict.fromkeys(uses))
    raw_territory = request.args.get("territory")
    territory = parse_territory_arg(raw_territory) if raw_territory else None
    licence_id = query_int("licence_id")
    if licence_id is not None and (uses or territory is not None):
        raise Invalid({"licence_id": ["give either licence_id or use and territory"]})
    db = get_session()
    work = services.get_work(db, work_id)
    day = query_date("as_of") or services.today()
    # Without uses (or a territory), a release counts whatever it covers (wherever): is
    # anything missing at all?
    demand = rights.Demand(territory=territory)
    if licence_id is not None:
        licence = lic.get_licence(db, licence_id)
        if licence.creator_id != work.creator_id:
            raise Invalid({"licence_id": ["is a licence of another creator's works"]})
        uses, demand = list(licence.uses), demand_of(licence, term=True)
        territory = demand.territory
    found = rights.verdicts(db, [work], uses, day, demand)[work.id]
    answer = {
        "work_id": work.id,
        "uses": uses,
        "as_of": day.isoformat(),
        "licensable": found.licensable,
        "reasons": list(found.reasons),
    }
    if territory is not None:
        answer["territory"] = territory.text
    return jsonify(answer)


# --- rights in bulk ------------------------------------------------------------------------


class BulkFilterIn(ApiModel):
    creator_id: StrictInt | None = None
    kind: str | None = Field(default=None, max_length=10, description=" or ".join(WORK_KINDS))
    from_: date | None = Field(default=None, alias="from", description="created on or after")
    to: date | None = Field(default=None, description="created on or before")


class RightsBulkIn(ApiModel):
    ids: list[StrictInt] | None = Field(default=None, max_length=rights_bulk.MAX_WORKS)
    filter: BulkFilterIn | None = None
    rights: str | None = Field(
        default=None, max_length=10, description="creator, shared, client or unknown"
    )
    rights_evidence: str | None = Field(default=None, max_length=5000)
    relicense_allowed: bool | None = Field(default=None, description=RELICENSE_DOC)
    co_holders: list[Annotated[str, Field(max_length=200)]] | None = Field(
        default=None, max_length=20
    )
    client_name: str | None = Field(default=None, max_length=300)


class BulkRefusalOut(OutModel):
    id: int
    reason: str


class RightsBulkOut(OutModel):
    done: list[int]
    refused: list[BulkRefusalOut]


@routes.post("/works/rights/bulk")
@allow(EDITORS)
@doc(
    "Set the rights of many works (ids, or a filter by creator, kind and creation dates), "
    "each merged into the work and checked as a single edit is (a field left out is "
    "unchanged; relicense_allowed null is not known); one transaction, a summary of done "
    f"and refused per id; at most {rights_bulk.MAX_WORKS} works",
    body=RightsBulkIn,
    response=RightsBulkOut,
    errors=(403, 422),
)
def works_rights_bulk() -> Response:
    body = parse_body(RightsBulkIn)
    where = None
    if body.filter is not None:
        f = body.filter
        where = rights_bulk.WorkFilter(f.creator_id, f.kind, f.from_, f.to)
    changes = with_relicense_not_known(
        body, body.model_dump(exclude_unset=True, include=set(rights_bulk.BULK_FIELDS))
    )
    db = get_session()
    outcome = rights_bulk.set_rights(db, current_user, changes, ids=body.ids, where=where)
    db.commit()
    return jsonify(outcome.as_json())


# --- dataset manifests ---------------------------------------------------------------------


def _manifest(licence_id: int):
    db = get_session()
    licence = lic.get_licence(db, licence_id)
    found = manifests.manifest(db, licence, request.args.get("period") or None)
    db.commit()  # a period that is over is frozen on its first request
    return db, licence, found


@routes.get("/licences/<int:licence_id>/croissant.json")
@allow(ALL_ROLES)
@doc(
    "The licence's dataset manifest of a period as Croissant 1.0 JSON-LD (frozen once over)",
    query=PERIOD,
    errors=(409,),
    content_type="application/ld+json",
)
def licence_croissant(licence_id: int) -> Response:
    db, licence, found = _manifest(licence_id)
    creator = db.get(Creator, licence.creator_id)
    args = {"licence_id": licence.id, "period": found.period}
    body = croissant.croissant(
        licence,
        found,
        dataset_url=url_for("api.licence_croissant", _external=True, **args),
        csv_url=url_for("api.licence_manifest_csv", _external=True, **args),
        creator_name=creator.display_name if creator else f"creator #{licence.creator_id}",
    )
    response = jsonify(body)
    response.mimetype = "application/ld+json"
    return response


@routes.get("/licences/<int:licence_id>/manifest.csv")
@allow(ALL_ROLES)
@doc(
    "The same manifest as CSV: one row per work included, then one per work removed",
    query=PERIOD,
    errors=(409,),
    content_type="text/csv",
)
def licence_manifest_csv(licence_id: int) -> Response:
    _db, licence, found = _manifest(licence_id)
    response = Response(croissant.manifest_csv(found), mimetype="text/csv")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="licence-{licence.id}-{found.period}.csv"'
    )
    return response
