"""/api/v1/feedback: list (filters), create, read, and PATCH (status through triage)."""

from __future__ import annotations

from typing import get_args

from flask import jsonify, request, url_for
from flask_login import current_user

from crm.api.base import (
    ApiRoutes,
    created,
    doc,
    iso,
    page_response,
    parse_body,
    query_limit,
    refuse_nulls,
)
from crm.common.permissions import ALL_ROLES, EDITORS, allow
from crm.db import get_session
from crm.feedback import services
from crm.feedback.models import Feedback
from crm.feedback.rendering import render_markdown
from crm.feedback.schemas import (
    Category,
    FeedbackIn,
    FeedbackOut,
    FeedbackPatch,
    Severity,
    Status,
)

routes = ApiRoutes()


def feedback_json(note: Feedback) -> dict:
    return {
        "id": note.id,
        "creator_id": note.creator_id,
        "product_id": note.product_id,
        "grant_id": note.grant_id,
        "category": note.category,
        "severity": note.severity,
        "title": note.title,
        "body": note.body,
        "body_html": str(render_markdown(note.body)),
        "reproduction": note.reproduction,
        "status": note.status,
        "forwarded_to": note.forwarded_to,
        "duplicate_of": note.duplicate_of_id,
        "created_by": note.created_by_id,
        "created_at": iso(note.created_at),
        "updated_at": iso(note.updated_at),
    }


def similar_json(items) -> list[dict]:
    return [
        {"id": s.note.id, "title": s.note.title, "status": s.note.status, "score": s.score}
        for s in items
    ]


@routes.get("/feedback")
@allow(ALL_ROLES)
@doc(
    "Feedback notes, newest first",
    list_of=FeedbackOut,
    query={
        "product_id": {"type": "integer"},
        "category": {"type": "string", "enum": list(get_args(Category))},
        "severity": {"type": "string", "enum": list(get_args(Severity))},
        "status": {"type": "string", "enum": list(get_args(Status))},
        "creator_id": {"type": "integer"},
        "since": {"type": "string", "format": "date"},
        "until": {"type": "string", "format": "date"},
    },
)
def feedback_list():
    filters = services.parse_filters(request.args)
    page = services.list_feedback(
        get_session(), filters, cursor=request.args.get("cursor"), limit=query_limit()
    )
    return page_response(page, feedback_json)


@routes.post("/feedback")
@allow(EDITORS)
@doc(
    "Record a feedback note; `similar` lists open notes of the product that look the same",
    body=FeedbackIn,
    response=FeedbackOut,
    status=201,
)
def feedback_create():
    body = parse_body(FeedbackIn)
    db = get_session()
    similar = services.similar_notes(db, body.product_id, body.title)
    note = services.create_feedback(
        db,
        current_user,
        creator_id=body.creator_id,
        product_id=body.product_id,
        grant_id=body.grant_id,
        category=body.category,
        severity=body.severity,
        title=body.title,
        body=body.body,
        reproduction=body.reproduction,
        duplicate_of_id=body.duplicate_of,
    )
    db.commit()
    payload = feedback_json(note)
    payload["similar"] = similar_json(similar)
    return created(payload, url_for("api.feedback_get", feedback_id=note.id))


@routes.get("/feedback/<int:feedback_id>")
@allow(ALL_ROLES)
@doc("One feedback note", response=FeedbackOut)
def feedback_get(feedback_id: int):
    note = services.get_feedback(get_session(), feedback_id)
    return jsonify(feedback_json(note))


@routes.patch("/feedback/<int:feedback_id>")
@allow(EDITORS)
@doc(
    "Change a note; `status` moves only along the triage transitions (409 otherwise), "
    "`forwarded_to` is required when forwarding",
    body=FeedbackPatch,
    response=FeedbackOut,
    errors=(409,),
)
def feedback_patch(feedback_id: int):
    db = get_session()
    note = services.get_feedback(db, feedback_id)
    changes = parse_body(FeedbackPatch).model_dump(exclude_unset=True)
    refuse_nulls(
        changes, ("product_id", "category", "severity", "title", "body", "reproduction", "status")
    )
    if "duplicate_of" in changes:
        changes["duplicate_of_id"] = changes.pop("duplicate_of")
    services.update_feedback(db, current_user, note, changes)
    db.commit()
    return jsonify(feedback_json(note))
