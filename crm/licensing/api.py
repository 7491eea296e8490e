"""JSON API for works, consents, the consent check and the registry. Licences and payouts
live in licences_api.py (its own route list, extended right after this one); their handlers
are re-exported here."""

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
    query_choice,
    query_date,
    query_int,
    query_limit,
    read_json,
    validate,
    validate_items,
)
from crm.common.errors import Invalid
from crm.common.ids import parse_id
from crm.common.pagination import SortKey, keyset_page
from crm.common.permissions import ALL_ROLES, EDITORS, EDITORS_AND_LEGAL, allow
from crm.db import get_session
from crm.licensing import interop_api, services
from crm.licensing.licences_api import (  # noqa: F401 (re-exported)
    licences_create,
    licences_index,
    licences_show,
    licences_update,
    payouts_create,
    payouts_index,
    payouts_paid,
)
from crm.licensing.models import RIGHTS, USES, WORK_KINDS, Consent, Work
from crm.licensing.schemas import (
    MAX_CHECK_ITEMS,
    TERRITORY_QUERY,
    CheckIn,
    CheckOut,
    ConsentIn,
    ConsentOut,
    ConsentRevokeIn,
    RegistryOut,
    WorkIn,
    WorkOut,
    WorkPatch,
    consent_json,
    plain_check_items,
    with_relicense_not_known,
    work_json,
)
from crm.licensing.services.territory import parse_territory_arg

routes = ApiRoutes()

MAX_WORKS_PER_POST = 10_000
REGISTRY_DEFAULT_LIMIT = 500
REGISTRY_MAX_LIMIT = 1000


# --- works ---------------------------------------------------------------------------------


WORK_FILTERS = {
    "creator_id": {"type": "integer"},
    "kind": {"type": "string", "enum": WORK_KINDS},
    "tag": {"type": "array", "items": {"type": "string"}, "description": "every tag given"},
    "language": {"type": "string"},
    "rights": {"type": "string", "enum": RIGHTS},
    "people_present": {"type": "boolean"},
    "min_duration_s": {"type": "number"},
}


def _query_bool(name: str) -> bool | None:
    raw = request.args.get(name)
    if raw in (None, ""):
        return None
    if raw.lower() in ("true", "1", "yes"):
        return True
    if raw.lower() in ("false", "0", "no"):
        return False
    raise Invalid({name: ["must be true or false"]})


def _query_seconds(name: str) -> float | None:
    raw = request.args.get(name)
    if raw in (None, ""):
        return None
    try:
        value = float(raw) if len(raw) < 20 else -1.0
    except ValueError:
        value = -1.0
    if not 0 <= value <= 10_000_000:  # also refuses nan
        raise Invalid({name: ["must be a number of seconds between 0 and 10000000"]})
    return value


def works_filter_stmt():
    """The works list's filters from the query string, applied in SQL."""
    tags = [t for raw in request.args.getlist("tag") for t in raw.split(",") if t.strip()]
    if len(tags) > 20 or any(len(t) > 60 for t in tags):
        raise Invalid({"tag": ["at most 20 tags of 60 characters"]})
    language = request.args.get("language") or None
    if language and len(language) > 35:
        raise Invalid({"language": ["must be at most 35 characters"]})
    return services.list_works_stmt(
        query_int("creator_id"),
        query_choice("kind", WORK_KINDS),
        tags=tags,
        language=language,
        rights=query_choice("rights", RIGHTS),
        people_present=_query_bool("people_present"),
        min_duration_s=_query_seconds("min_duration_s"),
    )


@routes.get("/works")
@allow(ALL_ROLES)
@doc("Works, by id", list_of=WorkOut, query=WORK_FILTERS)
def works_index():
    stmt = works_filter_stmt().options(selectinload(Work.tag_rows))
    page = keyset_page(
        get_session(), stmt, [SortKey(Work.id, "id")], request.args.get("cursor"), query_limit()
    )
    return page_response(page, work_json)


@routes.post("/works")
@allow(EDITORS)
@doc(
    "Add one work, or a list of works (all or none)",
    body=WorkIn,
    response=WorkOut,
    status=201,
)
def works_create():
    data = read_json()
    db = get_session()
    if isinstance(data, list):
        items = validate_items(WorkIn, data, most=MAX_WORKS_PER_POST, what="work")
        works = services.create_works(
            db,
            current_user,
            [with_relicense_not_known(i, i.model_dump()) for i in items],
            indexed=True,
        )
        db.commit()
        return created({"items": [work_json(w) for w in works]})
    body = parse_body(WorkIn)
    work = services.create_work(
        db, current_user, **with_relicense_not_known(body, body.model_dump())
    )
    db.commit()
    return created(work_json(work))


@routes.get("/works/<int:work_id>")
@allow(ALL_ROLES)
@doc(
    "One work with its effective decision per use today (consent and the licensable set)",
    response=WorkOut,
)
def works_show(work_id: int):
    db = get_session()
    work = services.get_work(db, work_id)
    decided = services.effective(db, [work], USES, services.today())
    return jsonify(
        work_json(work) | {"decisions": _decisions_json({u: decided[(work.id, u)] for u in USES})}
    )


@routes.patch("/works/<int:work_id>")
@allow(EDITORS)
@doc("Change a work", body=WorkPatch, response=WorkOut)
def works_update(work_id: int):
    db = get_session()
    work = services.get_work(db, work_id)
    body = parse_body(WorkPatch)
    changes = with_relicense_not_known(body, body.model_dump(exclude_unset=True))
    services.update_work(db, current_user, work, changes)
    db.commit()
    return jsonify(work_json(work))


def _decisions_json(decided: dict) -> dict:
    return {
        use: {
            "decision": e.decision,
            "reason": e.resolution.reason,
            "consent_id": getattr(e.consent, "id", None),
        }
        | _not_licensable(e)
        for use, e in decided.items()
    }


def _not_licensable(e: services.Effective) -> dict:
    """Beside a decision refused for want of rights or releases: what consent says, and why
    the work is outside the licensable set."""
    if e.licensable:
        return {}
    return {"consent_decision": e.consent_decision, "reasons": e.reasons}


# --- consents ------------------------------------------------------------------------------


@routes.get("/consents")
@allow(ALL_ROLES)
@doc(
    "Consent records, by id",
    list_of=ConsentOut,
    query={
        "creator_id": {"type": "integer"},
        "work_id": {"type": "integer"},
        "use": {"type": "string", "enum": USES},
    },
)
def consents_index():
    stmt = services.list_consents_stmt(
        query_int("creator_id"), query_int("work_id"), query_choice("use", USES)
    )
    page = keyset_page(
        get_session(),
        stmt,
        [SortKey(Consent.id, "id")],
        request.args.get("cursor"),
        query_limit(),
    )
    return page_response(page, consent_json)


@routes.post("/consents")
@allow(EDITORS_AND_LEGAL)
@doc("Record a consent for one use", body=ConsentIn, response=ConsentOut, status=201)
def consents_create():
    body = parse_body(ConsentIn)
    db = get_session()
    consent = services.create_consent(db, current_user, **body.model_dump())
    db.commit()
    return created(consent_json(consent))


@routes.get("/consents/<int:consent_id>")
@allow(ALL_ROLES)
@doc("One consent record", response=ConsentOut)
def consents_show(consent_id: int):
    return jsonify(consent_json(services.get_consent(get_session(), consent_id)))


@routes.post("/consents/<int:consent_id>/revoke")
@allow(EDITORS_AND_LEGAL)
@doc(
    "Revoke a consent from a day (default today)",
    body=ConsentRevokeIn,
    response=ConsentOut,
    errors=(409,),
)
def consents_revoke(consent_id: int):
    db = get_session()
    consent = services.get_consent(db, consent_id)
    body = parse_body(ConsentRevokeIn)
    services.revoke_consent(db, current_user, consent, body.revoked_on or services.today())
    db.commit()
    return jsonify(consent_json(consent))


@routes.post("/consent/check")
@allow(ALL_ROLES)
@doc(
    "Decide up to 10,000 URLs or SHA-256 hashes for one use, each with the record behind it",
    body=CheckIn,
    response=CheckOut,
)
def consent_check():
    raw = read_json()
    plain = None
    if isinstance(raw, dict) and isinstance(raw.get("items"), list):
        if len(raw["items"]) > MAX_CHECK_ITEMS:
            raise Invalid({"items": [f"at most {MAX_CHECK_ITEMS} items per call"]})
        plain = plain_check_items(raw["items"])
    if plain is not None:  # the items are plainly valid: pydantic reads only the rest
        body = validate(CheckIn, {**raw, "items": []})
        items = plain
    else:
        body = validate(CheckIn, {} if raw is None else raw)
        items = [i.model_dump() for i in body.items]
    day = body.as_of or services.today()
    territory = parse_territory_arg(body.territory, "territory")
    answers = services.check_items(get_session(), body.use, items, day, territory)
    return jsonify(
        {"use": body.use, "as_of": day.isoformat(), "territory": territory.text, "items": answers}
    )


@routes.get("/registry.json")
@allow(ALL_ROLES)
@doc(
    "Every work with its effective decision per use, in pages by work id",
    response=RegistryOut,
    query={
        "as_of": {"type": "string", "format": "date"},
        "creator_id": {"type": "integer"},
        "kind": {"type": "string", "enum": WORK_KINDS},
        "limit": {"type": "integer", "maximum": REGISTRY_MAX_LIMIT},
        "cursor": {"type": "string"},
        "territory": TERRITORY_QUERY,
    },
)
def registry_export():
    raw_limit = request.args.get("limit")
    limit = REGISTRY_DEFAULT_LIMIT
    if raw_limit not in (None, ""):
        limit = parse_id(raw_limit)
        if limit is None or not 1 <= limit <= REGISTRY_MAX_LIMIT:
            raise Invalid({"limit": [f"must be between 1 and {REGISTRY_MAX_LIMIT}"]})
    day = query_date("as_of") or services.today()
    territory = parse_territory_arg(request.args.get("territory"), "territory")
    db = get_session()
    stmt = services.list_works_stmt(query_int("creator_id"), query_choice("kind", WORK_KINDS))
    page = keyset_page(db, stmt, [SortKey(Work.id, "id")], request.args.get("cursor"), limit)
    decided = services.effective(db, page.items, USES, day, territory=territory)
    items = [
        {
            "work_id": w.id,
            "creator_id": w.creator_id,
            "kind": w.kind,
            "url": w.url,
            "sha256": w.sha256,
            "standards": interop_api.work_links(w),
            "rights": w.rights,
            "licensable": all(decided[(w.id, u)].licensable for u in USES),
            "decisions": {use: _registry_decision(decided[(w.id, use)]) for use in USES},
        }
        for w in page.items
    ]
    return jsonify(
        {
            "as_of": day.isoformat(),
            "territory": territory.text,
            "uses": list(USES),
            "items": items,
            "next_cursor": page.next_cursor,
        }
    )


def _registry_decision(e: services.Effective) -> dict:
    """The effective decision: R10's, never allowed for a work outside the licensable set."""
    return {"decision": e.decision, "consent_id": getattr(e.consent, "id", None)} | (
        _not_licensable(e)
    )
