"""JSON API of consent in standard forms (CAWG, XMP, TDMRep and its ODRL policy) and of
signed consent receipts; `/.well-known/jwks.json` publishes the receipts' public keys."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, jsonify, request, url_for
from flask_login import current_user
from pydantic import Field

from crm.api.base import (
    ApiModel,
    ApiRoutes,
    OutModel,
    doc,
    iso,
    parse_body,
    query_date,
    query_int,
)
from crm.common.errors import Invalid, NotFound
from crm.common.permissions import ALL_ROLES, AUDITORS, EDITORS_AND_LEGAL, allow, public
from crm.db import get_session
from crm.licensing import c2pa_read, changes, receipts, services, signals_scan, standards
from crm.licensing.models import CONFLICT_RESOLUTIONS, Work

routes = ApiRoutes()


class CawgOut(OutModel):
    label: str
    data: dict


class PolicyOut(OutModel):
    uid: str


AS_OF = {"as_of": {"type": "string", "format": "date"}}


def work_links(work: Work) -> dict[str, str]:
    """Where a work's consent is published in standard forms (for registry entries)."""
    return {
        "cawg": url_for("api.work_cawg", work_id=work.id, _external=True),
        "xmp": url_for("api.work_xmp", work_id=work.id, _external=True),
        "tdmrep": url_for("api.creator_tdmrep", creator_id=work.creator_id, _external=True),
    }


def _policy_url(creator_id: int) -> str:
    return url_for("api.creator_tdm_policy", creator_id=creator_id, _external=True)


@routes.get("/works/<int:work_id>/cawg.json")
@allow(ALL_ROLES)
@doc("The work's CAWG training-and-data-mining assertion", response=CawgOut, query=AS_OF)
def work_cawg(work_id: int) -> Response:
    db = get_session()
    work = services.get_work(db, work_id)
    day = query_date("as_of") or services.today()
    return jsonify(standards.cawg_assertion(standards.work_decisions(db, work, day)))


@routes.get("/works/<int:work_id>/xmp")
@allow(ALL_ROLES)
@doc(
    "An XMP sidecar with the PLUS DataMining value",
    query=AS_OF,
    content_type="application/rdf+xml",
)
def work_xmp(work_id: int) -> Response:
    db = get_session()
    work = services.get_work(db, work_id)
    day = query_date("as_of") or services.today()
    body = standards.xmp_sidecar(work, standards.work_decisions(db, work, day))
    response = Response(body, mimetype="application/rdf+xml")
    response.headers["Content-Disposition"] = f'inline; filename="work-{work.id}.xmp"'
    return response


@routes.get("/creators/<int:creator_id>/tdmrep.json")
@allow(ALL_ROLES)
@doc("TDMRep entries for each of the creator's declared sites", query=AS_OF)
def creator_tdmrep(creator_id: int) -> Response:
    db = get_session()
    creator = services.get_creator(db, creator_id)
    day = query_date("as_of") or services.today()
    decisions = standards.creator_decisions(db, creator, day)
    return jsonify(standards.tdmrep(creator.sites or [], decisions, _policy_url(creator.id)))


@routes.get("/creators/<int:creator_id>/tdm-policy.json")
@public
@doc(
    "The ODRL policy (JSON-LD) a creator's TDMRep entries link; public (crawlers read it "
    "without a token) for creators who declared a site",
    response=PolicyOut,
    query=AS_OF,
    content_type="application/ld+json",
)
def creator_tdm_policy(creator_id: int) -> Response:
    """Public because TDMRep's `tdm-policy` is dereferenced by crawlers holding no token.
    Without a login it is served only for a creator who declared a site and is not
    archived (the only policies a published tdmrep.json can point to); others are 404,
    so the route does not tell which creators exist."""
    db = get_session()
    creator = services.get_creator(db, creator_id)
    if not current_user.is_authenticated and (creator.archived or not creator.sites):
        raise NotFound("No such policy.")
    day = query_date("as_of") or services.today()
    decisions = standards.creator_decisions(db, creator, day)
    response = jsonify(standards.odrl_policy(creator, decisions, _policy_url(creator.id)))
    response.mimetype = "application/ld+json"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


# --- consent receipts ----------------------------------------------------------------------


class ReceiptOut(OutModel):
    consent_id: int
    receipt: str
    receipts: list[dict]


class VerifyIn(ApiModel):
    receipt: str = Field(max_length=100_000)


class VerifyOut(OutModel):
    valid: bool


well_known = Blueprint("well_known", __name__, url_prefix="/.well-known")


@well_known.get("/jwks.json")
@public
def jwks() -> Response:
    """The public keys that sign consent receipts."""
    return jsonify(receipts.jwks(get_session()))


@routes.get("/consents/<int:consent_id>/receipt")
@allow(ALL_ROLES)
@doc("The signed receipt (compact JWS) of a consent record, with its history", response=ReceiptOut)
def consent_receipt(consent_id: int) -> Response:
    db = get_session()
    found = receipts.receipts_of(db, consent_id)
    if not found:
        raise NotFound("No receipt recorded for this consent.")
    return jsonify(
        {
            "consent_id": consent_id,
            "receipt": found[-1].jws,
            "receipts": [
                {
                    "receipt_id": r.receipt_id,
                    "event": r.event,
                    "receipt": r.jws,
                    "created_at": iso(r.created_at),
                }
                for r in found
            ],
        }
    )


@routes.post("/receipts/verify")
@allow(ALL_ROLES)
@doc("Check a receipt's signature against our keys", body=VerifyIn, response=VerifyOut)
def receipts_verify() -> Response:
    body = parse_body(VerifyIn)
    return jsonify({"valid": receipts.verify(get_session(), body.receipt)})


# --- the change feed -----------------------------------------------------------------------


class ChangeOut(OutModel):
    id: int
    event: str
    work_id: int | None
    creator_id: int | None
    consent_id: int | None
    data: dict
    created_at: str


@routes.get("/registry/changes")
@allow(ALL_ROLES)
@doc(
    "Changes to the registry in order; resume from `next_cursor` (the last id read)",
    list_of=ChangeOut,
    query={
        "cursor": {"type": "string"},
        "limit": {"type": "integer", "maximum": changes.MAX_LIMIT},
    },
)
def registry_changes() -> Response:
    after = changes.parse_cursor(request.args.get("cursor"))
    raw_limit = request.args.get("limit") or "200"
    limit = int(raw_limit) if raw_limit.isdigit() and len(raw_limit) < 6 else 0
    found = changes.page(get_session(), after, limit)
    cursor = str(found[-1].id) if found else (str(after) if after else None)
    return jsonify({"items": [changes.change_json(c) for c in found], "next_cursor": cursor})


# --- creators' own signals -----------------------------------------------------------------


class ConflictOut(OutModel):
    key: str
    creator_id: int
    work_id: int | None
    site: str
    source: str
    use: str
    url: str
    sha256: str


@routes.get("/consent/conflicts")
@allow(ALL_ROLES)
@doc(
    "Open conflicts: where a creator's own site or C2PA manifest refuses a use our consent "
    f"allows (at most {signals_scan.MAX_CONFLICTS}; settle them to see more)",
    list_of=ConflictOut,
    query=AS_OF | {"creator_id": {"type": "integer"}},
)
def consent_conflicts() -> Response:
    day = query_date("as_of") or services.today()
    found = signals_scan.conflicts(get_session(), day, creator_id=query_int("creator_id"))
    return jsonify({"items": found, "next_cursor": None})


class ResolveIn(ApiModel):
    key: str = Field(max_length=64, description="The conflict's `key`, as listed")
    resolution: str = Field(max_length=20, description=" or ".join(CONFLICT_RESOLUTIONS))
    note: str = Field(default="", max_length=2000)
    revoked_on: date | None = None


class ResolutionOut(OutModel):
    key: str
    resolution: str
    consent_id: int | None


@routes.post("/consent/conflicts/resolve")
@allow(AUDITORS)
@doc(
    "Settle an open conflict (by its `key`): keep our record (with a note) or revoke the "
    "consent it contradicts",
    body=ResolveIn,
    response=ResolutionOut,
    errors=(404, 409),
)
def consent_conflict_resolve() -> Response:
    body = parse_body(ResolveIn)
    db = get_session()
    settled = signals_scan.resolve_conflict(
        db, current_user, body.key, body.resolution, body.note, services.today(), body.revoked_on
    )
    db.commit()
    return jsonify(
        {"key": settled.key, "resolution": settled.resolution, "consent_id": settled.consent_id}
    )


class C2paOut(OutModel):
    work_id: int
    found: bool
    entries: dict
    validation_state: str | None


@routes.post("/works/<int:work_id>/c2pa")
@allow(EDITORS_AND_LEGAL)
@doc(
    "Read the C2PA manifest of an uploaded copy of the work (multipart `file`) and store "
    "its training-and-mining assertion as the creator's signal",
    response=C2paOut,
    errors=(400, 413, 422),
)
def work_c2pa(work_id: int) -> Response:
    db = get_session()
    work = services.get_work(db, work_id)
    upload = request.files.get("file")
    if upload is None:
        raise Invalid({"file": ["upload the media as multipart form field `file`"]})
    data = upload.stream.read(c2pa_read.MAX_MEDIA_BYTES + 1)
    if not data:
        raise Invalid({"file": ["is empty"]})
    reading = signals_scan.record_media(db, current_user, work, data, upload.filename or "")
    db.commit()
    return jsonify(
        {
            "work_id": work.id,
            "found": reading is not None,
            "entries": {
                use: {"decision": d, "constraint": c or None}
                for use, (d, c) in (reading.entries.items() if reading else [])
            },
            "validation_state": reading.validation_state if reading else None,
        }
    )
