"""API: /api/v1/submissions and its revisions, decisions and publish (DESIGN section 5)."""

from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user

from crm.api.base import (
    ApiRoutes,
    created,
    doc,
    iso,
    page_response,
    parse_body,
    query_limit,
)
from crm.approvals import queries, services
from crm.approvals.models import SUBMISSION_STATUSES, Submission
from crm.approvals.schemas import (
    DecisionIn,
    PublishIn,
    RevisionIn,
    SubmissionDetailOut,
    SubmissionIn,
    SubmissionOut,
    SubmissionPatch,
)
from crm.common.clearance import visible_product_id
from crm.common.permissions import ALL_ROLES, EDITORS, EDITORS_AND_LEGAL, REVIEWERS, allow
from crm.common.timeutil import org_today, org_zone
from crm.creators.models import PLATFORMS
from crm.db import get_session

routes = ApiRoutes()


def _org_tz() -> str:
    return org_zone().key


def submission_json(s: Submission) -> dict:
    return {
        "id": s.id,
        "creator_id": s.creator_id,
        "deal_id": s.deal_id,
        "platform": s.platform,
        "title": s.title,
        "planned_for": iso(s.planned_for),
        "is_video": s.is_video,
        "status": s.status,
        "published_url": s.published_url,
        "published_at": iso(s.published_at),
        "submitted_by": s.submitted_by,
        "latest_revision": s.latest_revision,
        "failed_checks": s.failed_checks,
        "audience_countries": list(s.audience_countries or []),
        "created_at": iso(s.created_at),
    }


def detail_json(s: Submission) -> dict:
    payload = submission_json(s)
    payload["revisions"] = [
        {
            "number": r.number,
            "body": r.body,
            "media_url": r.media_url,
            "media_type": r.media_type,
            "media_sha256": r.media_sha256,
            "content_hash": r.content_hash,
            "disclosure_in_video": r.disclosure_in_video,
            "ai_label": r.ai_label,
            "images_retouched": r.images_retouched,
            "shows_person_body": r.shows_person_body,
            "submitted_by": r.submitted_by,
            "submitted_at": iso(r.submitted_at),
            "checks": [
                {
                    "code": c.code,
                    "message": c.message,
                    "spans": c.spans,
                    "product_id": visible_product_id(c.product_id),
                    "jurisdiction": c.jurisdiction,
                    "remedy": c.remedy,
                    "source": c.source,
                }
                for c in r.checks
            ],
        }
        for r in s.revisions
    ]
    payload["decisions"] = [
        {
            "revision_number": d.revision_number,
            "decision": d.decision,
            "comment": d.comment,
            "reviewer_id": d.reviewer_id,
            "decided_at": iso(d.decided_at),
            "content_hash": d.content_hash,
        }
        for d in s.decisions
    ]
    return payload


def _detail(submission_id: int) -> dict:
    db = get_session()
    db.expire_all()
    return detail_json(queries.load_submission(db, submission_id))


@routes.get("/submissions")
@allow(ALL_ROLES)
@doc(
    "Submissions, newest first (the filters of the submissions page; a next page needs the "
    "same filters with its cursor)",
    list_of=SubmissionOut,
    query={
        "status": {"type": "string", "enum": list(SUBMISSION_STATUSES)},
        "platform": {"type": "string", "enum": list(PLATFORMS)},
        "creator_id": {"type": "integer", "minimum": 1},
        "q": {
            "type": "string",
            "maxLength": queries.CREATOR_QUERY_MAX,
            "description": "the creator: any part of the name, a handle or the email",
        },
    },
)
def submissions_list():
    filters = queries.SubmissionFilters.parse(request.args, creator_arg="q")
    page = queries.list_submissions(
        get_session(), filters=filters, cursor=request.args.get("cursor"), limit=query_limit()
    )
    return page_response(page, submission_json)


@routes.post("/submissions")
@allow(EDITORS)
@doc(
    "Create a submission with its first revision (submitted for review unless submit=false)",
    body=SubmissionIn,
    response=SubmissionDetailOut,
    status=201,
    errors=(409,),
)
def submissions_create():
    body = parse_body(SubmissionIn)
    db = get_session()
    submission = services.create_submission(
        db,
        current_user,
        creator_id=body.creator_id,
        deal_id=body.deal_id,
        platform=body.platform,
        title=body.title,
        planned_for=body.planned_for,
        is_video=body.is_video,
        submit=body.submit,
        revision=services.RevisionInput(
            body=body.body,
            media_url=body.media_url,
            disclosure_in_video=body.disclosure_in_video,
            ai_label=body.ai_label,
            images_retouched=body.images_retouched,
            shows_person_body=body.shows_person_body,
        ),
        today=org_today(),
        tz=_org_tz(),
        audience_countries=body.audience_countries,
    )
    db.commit()
    return created(_detail(submission.id), f"/api/v1/submissions/{submission.id}")


@routes.get("/submissions/<int:submission_id>")
@allow(ALL_ROLES)
@doc("A submission with its revisions, checks and decisions", response=SubmissionDetailOut)
def submissions_get(submission_id: int):
    return jsonify(detail_json(queries.load_submission(get_session(), submission_id)))


@routes.post("/submissions/<int:submission_id>/revisions")
@allow(EDITORS)
@doc(
    "Add a revision (returns the submission to in_review)",
    body=RevisionIn,
    response=SubmissionDetailOut,
    status=201,
    errors=(403, 409),
)
def submissions_add_revision(submission_id: int):
    body = parse_body(RevisionIn)
    db = get_session()
    submission = services.get_submission(db, submission_id)
    services.add_revision(
        db,
        current_user,
        submission,
        services.RevisionInput(
            body=body.body,
            media_url=body.media_url,
            disclosure_in_video=body.disclosure_in_video,
            ai_label=body.ai_label,
            images_retouched=body.images_retouched,
            shows_person_body=body.shows_person_body,
        ),
        today=org_today(),
        tz=_org_tz(),
    )
    db.commit()
    return created(_detail(submission_id))


@routes.patch("/submissions/<int:submission_id>")
@allow(EDITORS_AND_LEGAL)
@doc(
    "Set the audience countries (their rule sets apply; the latest revision is checked again)",
    body=SubmissionPatch,
    response=SubmissionDetailOut,
    errors=(404, 409, 422),
)
def submissions_patch(submission_id: int):
    body = parse_body(SubmissionPatch)
    db = get_session()
    submission = services.get_submission(db, submission_id)
    services.set_audience_countries(
        db,
        current_user,
        submission,
        body.audience_countries,
        today=org_today(),
        tz=_org_tz(),
    )
    db.commit()
    return jsonify(_detail(submission_id))


@routes.post("/submissions/<int:submission_id>/decisions")
@allow(REVIEWERS)
@doc(
    "Decide on the latest revision (legal only; 409 when the revision is stale)",
    body=DecisionIn,
    response=SubmissionDetailOut,
    status=201,
    errors=(409,),
)
def submissions_decide(submission_id: int):
    body = parse_body(DecisionIn)
    db = get_session()
    services.decide(db, current_user, submission_id, body.revision, body.decision, body.comment)
    db.commit()
    return created(_detail(submission_id))


@routes.post("/submissions/<int:submission_id>/publish")
@allow(EDITORS)
@doc(
    "Mark the latest approved revision as published (refused during an embargo)",
    body=PublishIn,
    response=SubmissionDetailOut,
    errors=(409,),
)
def submissions_publish(submission_id: int):
    body = parse_body(PublishIn)
    db = get_session()
    submission = services.get_submission(db, submission_id)
    services.publish(db, current_user, submission, body.published_url, today=org_today())
    db.commit()
    return jsonify(_detail(submission_id))
