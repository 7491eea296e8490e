"""Custom fields: admin-defined fields of creators and deals (text, number, date, one choice,
several choices, URL), required or optional. A record keeps its values in its
`custom_fields` JSON object, by key; its service checks them with `clean_values`, so the form,
the API and the CSV import obey the same rules, and the audit log records every change.
Removing a field takes its values off the records and writes them into the removal's audit
event, so the history stays.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from crm.audit.services import record
from crm.common.actor import Actor
from crm.common.errors import Conflict, FieldErrors, Forbidden, NotFound
from crm.common.permissions import ADMIN
from crm.creators.models import CUSTOM_FIELD_ENTITIES, CUSTOM_FIELD_TYPES, CustomField
from crm.db import Base

KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MAX_FIELDS = 50
MAX_CHOICES = 50
MAX_TEXT = 2000

#: The table that keeps each entity's records (deals belong to crm.agreements, which this
#: package may not import: the removal works on the table).
TABLES = {"creator": "creators", "deal": "deals"}


def definition_json(f: CustomField) -> dict[str, Any]:
    return {
        "id": f.id,
        "entity": f.entity,
        "key": f.key,
        "label": f.label,
        "type": f.type,
        "choices": list(f.choices or []),
        "required": f.required,
    }


def list_fields(session: Session, entity: str | None = None) -> list[CustomField]:
    stmt = select(CustomField).order_by(CustomField.entity, CustomField.id).limit(MAX_FIELDS * 2)
    if entity is not None:
        stmt = stmt.where(CustomField.entity == entity)
    return list(session.scalars(stmt))


def define_field(session: Session, actor: Actor, data: Mapping[str, Any]) -> CustomField:
    if getattr(actor, "role", None) != ADMIN:
        raise Forbidden("Only admins define custom fields.")
    errors = FieldErrors()
    entity = data.get("entity")
    if entity not in CUSTOM_FIELD_ENTITIES:
        errors.add("entity", f"must be one of {', '.join(CUSTOM_FIELD_ENTITIES)}")
    key = data.get("key")
    if not isinstance(key, str) or not KEY_RE.match(key):
        errors.add("key", "must be 1 to 40 lower-case letters, digits or _, starting with a letter")
    label = " ".join(str(data.get("label") or "").split())
    if not label or len(label) > 100:
        errors.add("label", "is required (100 characters at most)")
    kind = data.get("type")
    if kind not in CUSTOM_FIELD_TYPES:
        errors.add("type", f"must be one of {', '.join(CUSTOM_FIELD_TYPES)}")
    raw_choices = data.get("choices") or []
    choices: list[str] = []
    if not isinstance(raw_choices, list) or not all(isinstance(c, str) for c in raw_choices):
        errors.add("choices", "must be a list of texts")
    else:
        for c in raw_choices:
            c = " ".join(c.split())
            if c and c not in choices:
                choices.append(c)
        if any(len(c) > 100 for c in choices) or len(choices) > MAX_CHOICES:
            errors.add("choices", f"{MAX_CHOICES} choices at most, 100 characters each")
    if kind in ("choice", "choices") and not choices:
        errors.add("choices", "name at least one choice")
    if kind not in ("choice", "choices") and choices:
        errors.add("choices", "only choice fields have choices")
    required = data.get("required", False)
    if not isinstance(required, bool):
        errors.add("required", "must be true or false")
    errors.raise_if_any()
    if session.scalar(
        select(CustomField.id).where(CustomField.entity == entity, CustomField.key == key)
    ):
        raise Conflict(f"A {entity} field with the key {key!r} exists.")
    if len(list_fields(session, entity)) >= MAX_FIELDS:
        raise Conflict(f"{MAX_FIELDS} custom fields per record type at most.")
    field = CustomField(
        entity=entity, key=key, label=label, type=kind, choices=choices, required=required
    )
    session.add(field)
    session.flush()
    record(session, actor, "custom_field.create", "custom_field", field.id, definition_json(field))
    return field


def remove_field(session: Session, actor: Actor, field_id: int) -> None:
    """Delete a definition and take its values off the records; the audit event keeps the
    definition and every value it held, by record id."""
    if getattr(actor, "role", None) != ADMIN:
        raise Forbidden("Only admins remove custom fields.")
    field = session.get(CustomField, field_id)
    if field is None:
        raise NotFound("No such custom field.")
    values: dict[str, Any] = {}
    table = Base.metadata.tables[TABLES[field.entity]]
    rows = session.execute(
        select(table.c.id, table.c.custom_fields).where(table.c.custom_fields.is_not(None))
    ).all()
    for row_id, current in rows:
        current = dict(current or {})
        if field.key in current:
            values[str(row_id)] = current.pop(field.key)
            session.execute(update(table).where(table.c.id == row_id).values(custom_fields=current))
    record(
        session,
        actor,
        "custom_field.remove",
        "custom_field",
        field.id,
        definition_json(field) | {"values": values},
    )
    session.delete(field)
    session.flush()


def _clean_one(field: CustomField, value: Any, errors: FieldErrors) -> Any:
    name = f"custom_fields.{field.key}"
    if field.type == "text":
        if not isinstance(value, str) or len(value) > MAX_TEXT:
            errors.add(name, f"must be text of {MAX_TEXT} characters at most")
            return None
        return value.strip()
    if field.type == "number":
        if isinstance(value, bool):
            errors.add(name, "must be a number")
            return None
        if isinstance(value, str):
            try:
                value = float(value.strip()) if "." in value else int(value.strip())
            except ValueError:
                errors.add(name, "must be a number")
                return None
        if not isinstance(value, int | float) or value != value or abs(value) > 1e15:
            errors.add(name, "must be a number")
            return None
        return value
    if field.type == "date":
        try:
            return date.fromisoformat(str(value).strip()).isoformat()
        except ValueError:
            errors.add(name, "must be a date YYYY-MM-DD")
            return None
    if field.type == "choice":
        if value not in field.choices:
            errors.add(name, f"must be one of {', '.join(field.choices)}")
            return None
        return value
    if field.type == "choices":
        if isinstance(value, str):
            value = [v.strip() for v in re.split(r"[;,]", value) if v.strip()]
        if not isinstance(value, list) or not all(v in field.choices for v in value):
            errors.add(name, f"must be a list of {', '.join(field.choices)}")
            return None
        return [c for c in field.choices if c in value]
    text = str(value).strip()
    try:
        parts = urlsplit(text)
        host = parts.hostname
    except ValueError:
        host = None
    if (
        host is None
        or parts.scheme not in ("http", "https")
        or len(text) > 2000
        or any(c.isspace() for c in text)
    ):
        errors.add(name, "must be an http or https URL")
        return None
    return text


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def clean_values(
    session: Session,
    entity: str,
    raw: Any,
    errors: FieldErrors,
    *,
    current: Mapping[str, Any] | None,
    creating: bool,
    definitions: list[CustomField] | None = None,
) -> dict[str, Any]:
    """The record's new values: `current` with the given ones applied (an empty value clears
    one). Unknown keys, wrong types and missing required values are field errors.
    `definitions` saves the look-up when checking many records (the CSV import)."""
    if definitions is None:
        definitions = list_fields(session, entity)
    fields = {f.key: f for f in definitions}
    out = dict(current or {})
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        errors.add("custom_fields", "must be an object keyed by field key")
        return out
    for key, value in raw.items():
        field = fields.get(key)
        if field is None:
            errors.add(f"custom_fields.{str(key)[:40]}", "is not a custom field")
            continue
        if _empty(value):
            out.pop(key, None)
            continue
        cleaned = _clean_one(field, value, errors)
        if cleaned is not None:
            out[key] = cleaned
    for key, field in fields.items():
        if field.required and _empty(out.get(key)) and (creating or key in raw):
            errors.add(f"custom_fields.{key}", "is required")
    return out


def shown(session: Session, entity: str, values: Mapping[str, Any] | None) -> list[tuple]:
    """(field, value) for the page, in definition order; missing values as None."""
    values = values or {}
    return [(f, values.get(f.key)) for f in list_fields(session, entity)]


def form_values(form: Mapping[str, str], fields: Iterable[CustomField]) -> dict[str, Any]:
    """Values posted by an HTML form (`cf.<key>` inputs; several for a multiple choice)."""
    out: dict[str, Any] = {}
    for f in fields:
        name = f"cf.{f.key}"
        if f.type == "choices":
            getlist = getattr(form, "getlist", None)
            out[f.key] = list(getlist(name)) if getlist else form.get(name, "")
        else:
            out[f.key] = form.get(name, "")
    return out


def openapi_schema(field: CustomField) -> dict[str, Any]:
    base: dict[str, Any] = {"title": field.label}
    if field.type == "number":
        return base | {"type": ["number", "null"]}
    if field.type == "date":
        return base | {"type": ["string", "null"], "format": "date"}
    if field.type == "url":
        return base | {"type": ["string", "null"], "format": "uri"}
    if field.type == "choice":
        return base | {"enum": [*field.choices, None]}
    if field.type == "choices":
        return base | {"type": ["array", "null"], "items": {"enum": list(field.choices)}}
    return base | {"type": ["string", "null"], "maxLength": MAX_TEXT}


# --- HTML forms ------------------------------------------------------------------------


def form_class(base: type, fields: Iterable[CustomField]) -> type:
    """`base` with one input per custom field, named `cf_<key>` (shape only: the service
    checks the values)."""
    from wtforms import SelectField, SelectMultipleField, StringField
    from wtforms.validators import Optional

    from crm.web.forms import choices as select_choices

    attrs: dict[str, Any] = {}
    for f in fields:
        label = f.label + ("" if f.required else " (optional)")
        if f.type == "choice":
            attrs[f"cf_{f.key}"] = SelectField(
                label,
                choices=select_choices([("", "—"), *[(c, c) for c in f.choices]]),
                validate_choice=False,
            )
        elif f.type == "choices":
            attrs[f"cf_{f.key}"] = SelectMultipleField(
                label, choices=select_choices([(c, c) for c in f.choices]), validate_choice=False
            )
        else:
            kw = {
                "date": {"type": "date"},
                "number": {"inputmode": "decimal"},
                "url": {"type": "url"},
            }.get(f.type, {})
            attrs[f"cf_{f.key}"] = StringField(label, validators=[Optional()], render_kw=kw)
    return type(f"{base.__name__}WithCustomFields", (base,), attrs)


def fill_form(form: Any, fields: Iterable[CustomField], values: Mapping[str, Any] | None) -> None:
    values = values or {}
    for f in fields:
        value = values.get(f.key)
        if value is not None:
            form[f"cf_{f.key}"].data = value if f.type == "choices" else str(value)


def form_data(form: Any, fields: Iterable[CustomField]) -> dict[str, Any]:
    return {f.key: form[f"cf_{f.key}"].data for f in fields}


def show_errors(form: Any, exc: Any) -> None:
    """`on_invalid` of handle_form: custom field errors beside their inputs, the rest as
    usual."""
    from crm.common.errors import Invalid
    from crm.web.forms import apply_errors

    rest: dict[str, list[str]] = {}
    for name, messages in exc.errors.items():
        if name.startswith("custom_fields.") and f"cf_{name[14:]}" in form:
            target = form[f"cf_{name[14:]}"]
            target.errors = list(target.errors or []) + list(messages)
        else:
            rest[name] = messages
    if rest or not exc.errors:
        apply_errors(form, Invalid(rest, exc.detail) if rest else exc)


def creator_section(session: Session, creator: Any, user: Any) -> dict[str, Any] | None:
    """The creator page's "Details" section: every custom field with its value."""
    rows = shown(session, "creator", creator.custom_fields)
    return {"rows": rows} if rows else None


# --- demo data ---------------------------------------------------------------------------

DEMO_FIELDS = (
    {
        "entity": "creator",
        "key": "tier",
        "label": "Partner tier",
        "type": "choice",
        "choices": ["gold", "silver", "bronze"],
    },
    {"entity": "creator", "key": "press_kit", "label": "Press kit", "type": "url"},
    {"entity": "deal", "key": "po_number", "label": "PO number", "type": "text"},
)


def load_demo(session: Session, context: dict) -> None:
    from crm.audit.services import system_actor

    actor = system_actor("demo")
    for data in DEMO_FIELDS:
        define_field(session, actor, data)
    tiers = ("gold", "silver", "bronze")
    for creator, tier in zip((context.get("creators") or [])[:3], tiers, strict=False):
        creator.custom_fields = {**(creator.custom_fields or {}), "tier": tier}
    session.flush()
