"""API: custom field definitions (DESIGN section 5, "custom fields")."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request
from flask_login import current_user
from pydantic import Field, StrictBool

from crm.api.base import ApiModel, ApiRoutes, OutModel, created, doc, parse_body
from crm.common.errors import Invalid
from crm.common.permissions import ADMINS, ALL_ROLES, allow
from crm.creators import custom_fields
from crm.creators.models import CUSTOM_FIELD_ENTITIES
from crm.db import get_session

routes = ApiRoutes()


class CustomFieldIn(ApiModel):
    entity: str = Field(max_length=10)
    key: str = Field(max_length=40)
    label: str = Field(max_length=100)
    type: str = Field(max_length=10)
    choices: list[str] = Field(default_factory=list, max_length=custom_fields.MAX_CHOICES)
    required: StrictBool = False


class CustomFieldOut(OutModel):
    id: int
    entity: str
    key: str
    label: str
    type: str
    choices: list[str]
    required: bool


@routes.get("/custom-fields")
@allow(ALL_ROLES)
@doc(
    "Custom fields of creators and deals",
    list_of=CustomFieldOut,
    query={"entity": {"type": "string", "enum": list(CUSTOM_FIELD_ENTITIES)}},
)
def custom_fields_index() -> Response:
    entity = request.args.get("entity") or None
    if entity is not None and entity not in CUSTOM_FIELD_ENTITIES:
        raise Invalid({"entity": [f"must be one of {', '.join(CUSTOM_FIELD_ENTITIES)}"]})
    items = [
        custom_fields.definition_json(f) for f in custom_fields.list_fields(get_session(), entity)
    ]
    return jsonify({"items": items, "next_cursor": None})


@routes.post("/custom-fields")
@allow(ADMINS)
@doc(
    "Define a custom field (admin)",
    body=CustomFieldIn,
    response=CustomFieldOut,
    status=201,
    errors=(409,),
)
def custom_fields_create() -> Response:
    body = parse_body(CustomFieldIn)
    db = get_session()
    field = custom_fields.define_field(db, current_user, body.model_dump())
    db.commit()
    return created(custom_fields.definition_json(field))


@routes.delete("/custom-fields/<int:field_id>")
@allow(ADMINS)
@doc("Remove a custom field; its values go into the audit log (admin)", status=204)
def custom_fields_delete(field_id: int) -> Response:
    db = get_session()
    custom_fields.remove_field(db, current_user, field_id)
    db.commit()
    return Response(status=204)


def describe(session: Any, spec: dict) -> None:
    """Type the `custom_fields` objects of the creator and deal documents in the OpenAPI
    description with the fields defined now."""
    schemas = spec.get("components", {}).get("schemas", {})
    for entity, names in (
        ("creator", ("CreatorOut", "CreatorIn", "CreatorPatch")),
        ("deal", ("DealOut", "DealIn", "DealPatch")),
    ):
        fields = custom_fields.list_fields(session, entity)
        component = f"CustomFields{entity.capitalize()}"
        schemas[component] = {
            "type": "object",
            "description": f"Values of the {entity} custom fields, by key",
            "properties": {f.key: custom_fields.openapi_schema(f) for f in fields},
            "additionalProperties": False,
        }
        if entity == "creator" or any(n in schemas for n in names):
            for name in names:
                props = schemas.get(name, {}).get("properties")
                if props is not None:
                    props["custom_fields"] = {"$ref": f"#/components/schemas/{component}"}
