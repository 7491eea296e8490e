"""API: bulk actions on creators (DESIGN section 5, "bulk actions")."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, url_for
from flask_login import current_user
from pydantic import Field, StrictInt

from crm.api.base import ApiModel, ApiRoutes, OutModel, doc, parse_body
from crm.common.errors import Invalid
from crm.common.permissions import EDITORS, allow
from crm.creators import bulk
from crm.creators.models import BulkJob
from crm.db import get_session

routes = ApiRoutes()


class BulkIn(ApiModel):
    ids: list[StrictInt] | None = Field(default=None, max_length=bulk.MAX_SELECTION)
    filter: dict[str, str | int | bool | None] | None = Field(default=None, max_length=20)
    action: str = Field(max_length=20)
    value: Any = None


class RefusalOut(OutModel):
    id: int
    reason: str


class BulkOut(OutModel):
    done: list[int]
    refused: list[RefusalOut]


class BulkJobOut(OutModel):
    id: int
    action: str
    status: str
    total: int
    processed: int
    done: list[int]
    refused: list[RefusalOut]


@routes.post("/creators/bulk")
@allow(EDITORS)
@doc(
    "Apply one action to many creators (ids or a filter); each record all or nothing. More "
    f"than {bulk.SYNC_LIMIT} creators run as a job: 202 with the job to poll",
    body=BulkIn,
    response=BulkOut,
    errors=(403, 422),
    also={202: BulkJobOut},
)
def creators_bulk() -> Response:
    body = parse_body(BulkIn)
    if (body.ids is None) == (body.filter is None):
        raise Invalid({"ids": ["give either ids or filter"]})
    db = get_session()
    ids = bulk.select_ids(db, current_user, ids=body.ids, filters=body.filter)
    result = bulk.run(db, current_user, ids, body.action, body.value)
    db.commit()
    if isinstance(result, BulkJob):
        response = jsonify(bulk.job_json(result))
        response.status_code = 202
        response.headers["Location"] = url_for("api.creators_bulk_job", job_id=result.id)
        return response
    return jsonify(result.as_json())


@routes.get("/creators/bulk/<int:job_id>")
@allow(EDITORS)
@doc("A bulk job's progress and outcome", response=BulkJobOut)
def creators_bulk_job(job_id: int) -> Response:
    return jsonify(bulk.job_json(bulk.get_job(get_session(), current_user, job_id)))
