"""JSON API of rights and releases: releases, a work's licensable verdict, and each
licence's dataset manifest (Croissant JSON-LD and CSV)."""

from __future__ import annotations

from flask import Response, jsonify, request, url_for
from flask_login import current_user

from crm.api.base import (
    ApiRoutes,
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
from crm.common.permissions import ALL_ROLES, EDITORS_AND_LEGAL, allow
from crm.creators.models import Creator
from crm.db import get_session
from crm.licensing import croissant, services
from crm.licensing import licences as lic
from crm.licensing.models import RELEASE_KINDS, USES, Release
from crm.licensing.schemas import (
    LicensableOut,
    ReleaseIn,
    ReleaseOut,
    ReleaseRevokeIn,
    release_json,
)
from crm.licensing.services import manifests, releases, rights

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
    },
)
def work_licensable(work_id: int) -> Response:
    uses = [u.strip() for raw in request.args.getlist("use") for u in raw.split(",") if u.strip()]
    if any(u not in USES for u in uses):
        raise Invalid({"use": [f"must be among {', '.join(USES)}"]})
    uses = list(dict.fromkeys(uses))
    db = get_session()
    work = services.get_work(db, work_id)
    day = query_date("as_of") or services.today()
    if uses:
        found = rights.verdicts(db, [work], uses, day)[work.id]
    else:
        # Without uses, a release counts whatever it covers: is anything missing at all?
        found = rights.verdicts(db, [work], [], day)[work.id]
    return jsonify(
        {
            "work_id": work.id,
            "uses": uses,
            "as_of": day.isoformat(),
            "licensable": found.licensable,
            "reasons": list(found.reasons),
        }
    )


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
