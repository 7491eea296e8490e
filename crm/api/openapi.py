"""Builds the OpenAPI 3.1 document from the URL map and each route's `@doc`."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from flask import Flask
from pydantic import BaseModel
from werkzeug.routing import Rule

from crm.api.base import RouteDoc
from crm.api.idempotency import HEADER_DOC, creates

_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")
_STATUS_TEXT = {
    400: "Malformed request",
    401: "No or bad token",
    403: "Role not allowed",
    404: "Unknown id",
    409: "Conflict (rule refused, duplicate, stale revision)",
    413: "Too large",
    422: "Invalid fields",
    429: "Too many requests",
}

PROBLEM = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
}


def _add_component(components: dict, name: str, schema: dict) -> None:
    """Component names are global: two different models of one name would share a schema."""
    if name in components and components[name] != schema:
        raise ValueError(f"two different API models are named {name}; rename one")
    components[name] = schema


def _schema_ref(model: type[BaseModel] | dict[str, Any], components: dict) -> dict:
    if isinstance(model, dict):
        return model
    name = model.__name__
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    for def_name, definition in schema.pop("$defs", {}).items():
        _add_component(components, def_name, definition)
    _add_component(components, name, schema)
    return {"$ref": f"#/components/schemas/{name}"}


def openapi_path(rule: str) -> str:
    return _PARAM.sub(lambda m: "{" + m.group(2) + "}", rule)


def api_rules(app: Flask) -> Iterator[Rule]:
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            yield rule


def build_spec(app: Flask) -> dict:
    components: dict = {"Problem": PROBLEM}
    paths: dict = {}
    for rule in sorted(api_rules(app), key=lambda r: r.rule):
        view = app.view_functions[rule.endpoint]
        route_doc: RouteDoc | None = getattr(view, "crm_openapi", None)
        if route_doc is None:
            continue
        path = openapi_path(rule.rule)
        params = [
            {
                "name": name,
                "in": "path",
                "required": True,
                "schema": {"type": "integer"} if conv == "int" else {"type": "string"},
            }
            for conv, name in _PARAM.findall(rule.rule)
        ]
        query = dict(route_doc.query)
        if route_doc.list_of is not None:
            query.setdefault("limit", {"type": "integer", "minimum": 1, "maximum": 200})
            query.setdefault("cursor", {"type": "string"})
        for name, schema in query.items():
            params.append({"name": name, "in": "query", "required": False, "schema": schema})
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            op: dict = {
                "operationId": rule.endpoint.removeprefix("api.")
                + (
                    ""
                    if len((rule.methods or set()) - {"HEAD", "OPTIONS"}) == 1
                    else f"_{method.lower()}"
                ),
                "summary": route_doc.summary,
                "tags": [route_doc.tag or rule.rule.split("/")[3]],
                "responses": {},
            }
            if params:
                op["parameters"] = params
            if method == "POST" and creates(view):
                op["parameters"] = [*params, HEADER_DOC]
            public = getattr(view, "crm_access", None) == "public"
            if not public:
                op["security"] = [{"bearer": []}]
            if route_doc.body is not None:
                op["requestBody"] = {
                    "required": True,
                    "content": {
                        "application/json": {"schema": _schema_ref(route_doc.body, components)}
                    },
                }
            if route_doc.list_of is not None:
                item = _schema_ref(route_doc.list_of, components)
                schema = {
                    "type": "object",
                    "required": ["items", "next_cursor"],
                    "properties": {
                        "items": {"type": "array", "items": item},
                        "next_cursor": {"type": ["string", "null"]},
                    },
                }
            elif route_doc.response is not None:
                schema = _schema_ref(route_doc.response, components)
            else:
                schema = {}
            if route_doc.status == 204:
                op["responses"]["204"] = {"description": "Done; no content"}
            else:
                op["responses"][str(route_doc.status)] = {
                    "description": "Success",
                    "content": {route_doc.content_type: {"schema": schema}},
                }
            for other, model in route_doc.also.items():
                op["responses"][str(other)] = {
                    "description": _STATUS_TEXT.get(other, "Success"),
                    "content": {"application/json": {"schema": _schema_ref(model, components)}},
                }
            statuses = set(route_doc.errors)
            if not public:
                statuses |= {401, 403}
            if params and any(p["in"] == "path" for p in params):
                statuses.add(404)
            if route_doc.body is not None:
                statuses |= {400, 422}
            if route_doc.query or route_doc.list_of is not None:
                statuses.add(422)
            for status in sorted(statuses):
                op["responses"][str(status)] = {
                    "description": _STATUS_TEXT.get(status, "Error"),
                    "content": {
                        "application/problem+json": {
                            "schema": {"$ref": "#/components/schemas/Problem"}
                        }
                    },
                }
            paths.setdefault(path, {})[method.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Creator Relations CRM API",
            "version": "1.0.0",
            "description": (
                "Bearer-token API. Lists are {items, next_cursor} with limit and cursor; "
                "errors are RFC 9457 problem documents."
            ),
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


def undocumented_routes(app: Flask) -> list[str]:
    return sorted(
        rule.rule
        for rule in api_rules(app)
        if getattr(app.view_functions[rule.endpoint], "crm_openapi", None) is None
    )


__all__ = ["BaseModel", "build_spec", "openapi_path", "undocumented_routes"]
