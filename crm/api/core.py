"""The API route that belongs to no domain: its own description (OpenAPI 3.1)."""

from __future__ import annotations

import copy

from flask import Response, current_app, jsonify

from crm.api.base import ApiRoutes, doc
from crm.common.permissions import public
from crm.common.registry import registry
from crm.db import get_session

routes = ApiRoutes()


@routes.get("/openapi.json")
@public
@doc("This document (OpenAPI 3.1)", response={"type": "object"})
def openapi() -> Response:
    from crm.api.openapi import build_spec

    spec = current_app.extensions.get("crm_openapi")
    if spec is None:
        spec = current_app.extensions["crm_openapi"] = build_spec(current_app)
    amendments = registry().openapi_extras
    if amendments:
        spec = copy.deepcopy(spec)
        db = get_session()
        for amend in amendments:
            amend(db, spec)
    return jsonify(spec)
