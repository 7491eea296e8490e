"""The JSON API's shared parts: the blueprint, body parsing, lists, and route documentation.

Routes describe themselves with `@doc(...)`; `openapi.build_spec` reads those descriptions from
the URL map, so the document cannot list a route that does not exist, and a test fails for a
route that has no description.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, ClassVar, TypeVar

from flask import Blueprint, Response, jsonify, request
from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, field_validator

from crm.common.errors import Invalid
from crm.common.ids import MAX_ID
from crm.common.pagination import Page, parse_limit

bp = Blueprint("api", __name__, url_prefix="/api/v1")
MAX_BIGINT = 2**63 - 1

V = TypeVar("V", bound=Callable[..., Any])


def _out_of_range(value: Any, limit: int) -> bool:
    if isinstance(value, int):
        return not -limit <= value <= limit
    if isinstance(value, list | tuple | set):
        return any(_out_of_range(v, limit) for v in value)
    return False


class ApiModel(BaseModel):
    """Request bodies: unknown fields (`id`, `role`, …) are refused, never mass-assigned."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    #: Integer fields kept in BIGINT columns (counts); every other integer is an id or a number
    #: of an INTEGER column, which the database refuses (or cannot even look up) past MAX_ID.
    bigint_fields: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="after")
    @classmethod
    def _integers_fit_the_database(cls, value: Any, info: ValidationInfo) -> Any:
        limit = MAX_BIGINT if info.field_name in cls.bigint_fields else MAX_ID
        if _out_of_range(value, limit):
            raise ValueError(f"must be at most {limit}")
        return value


class OutModel(BaseModel):
    model_config = ConfigDict(extra="allow")


@dataclass
class RouteDoc:
    summary: str
    body: type[BaseModel] | None = None
    response: type[BaseModel] | dict | None = None
    status: int = 200
    list_of: type[BaseModel] | None = None
    query: dict[str, dict] = field(default_factory=dict)
    errors: tuple[int, ...] = ()
    tag: str | None = None
    content_type: str = "application/json"


def doc(summary: str, **kwargs: Any) -> Callable[[V], V]:
    def decorate(view: V) -> V:
        view.crm_openapi = RouteDoc(summary=summary, **kwargs)  # type: ignore[attr-defined]  # a function attribute
        return view

    return decorate


def read_json() -> Any:
    """The request body as JSON (None when empty); a body that is not JSON is a 400."""
    data = request.get_json(force=True, silent=True)
    if data is None and request.get_data(cache=True).strip():
        from werkzeug.exceptions import BadRequest

        raise BadRequest("The request body is not valid JSON.")
    return data


def parse_body(model: type[BaseModel]) -> Any:
    data = read_json()
    return validate(model, {} if data is None else data)


def validate(model: type[BaseModel], data: Any) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise Invalid(validation_errors(exc)) from None


def validate_items(model: type[BaseModel], items: list, *, most: int, what: str = "item") -> list:
    """A list body, all or none: every item validated, each error named `items.<n>.<field>`."""
    if not items:
        raise Invalid({"body": [f"give at least one {what}"]})
    if len(items) > most:
        raise Invalid({"body": [f"at most {most} {what}s per call"]})
    valid, errors = [], {}
    for n, raw in enumerate(items):
        try:
            valid.append(model.model_validate(raw))
        except ValidationError as exc:
            for field_name, messages in validation_errors(exc).items():
                errors[f"items.{n}.{field_name}"] = messages
    if errors:
        raise Invalid(errors)
    return valid


def refuse_nulls(changes: dict, fields: tuple[str, ...]) -> None:
    """A PATCH body may leave these fields out, but not set them to null."""
    nulls = [name for name in fields if name in changes and changes[name] is None]
    if nulls:
        raise Invalid({name: ["cannot be null"] for name in nulls})


def validation_errors(exc: ValidationError) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "body"
        message = err["msg"]
        if err["type"] == "extra_forbidden":
            message = "is not a field you can set"
        errors.setdefault(loc, []).append(message)
    return errors


def query_limit() -> int:
    return parse_limit(request.args.get("limit"))


def query_int(name: str) -> int | None:
    raw = request.args.get(name)
    if raw in (None, ""):
        return None
    try:
        value = int(raw)
    except ValueError:
        raise Invalid({name: ["must be a whole number"]}) from None
    if _out_of_range(value, MAX_ID):
        raise Invalid({name: [f"must be at most {MAX_ID}"]})
    return value


def query_date(name: str) -> date | None:
    raw = request.args.get(name)
    if raw in (None, ""):
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise Invalid({name: ["must be a date YYYY-MM-DD"]}) from None


def query_choice(name: str, choices: Collection[str]) -> str | None:
    raw = request.args.get(name)
    if raw in (None, ""):
        return None
    if raw not in choices:
        raise Invalid({name: [f"must be one of {', '.join(choices)}"]})
    return raw


def iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def page_response(page: Page, serialize: Callable[[Any], Any]) -> Response:
    return jsonify(
        {"items": [serialize(item) for item in page.items], "next_cursor": page.next_cursor}
    )


def created(payload: dict[str, Any], location: str | None = None) -> Response:
    response = jsonify(payload)
    response.status_code = 201
    if location:
        response.headers["Location"] = location
    return response
