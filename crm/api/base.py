"""The JSON API's shared parts: route recording, body parsing, lists, and route documentation.

A module with API routes records them on its own `ApiRoutes` (`routes = ApiRoutes()`,
`@routes.get("/things")`); its domain's `register(app)` adds them to the app's registry and
`crm.api` puts them on a blueprint built for that app. Decorating a view changes nothing
shared, so building many apps in one process never doubles a route.

Routes describe themselves with `@doc(...)`; `openapi.build_spec` reads those descriptions from
the URL map, so the document cannot list a route that does not exist, and a test fails for a
route that has no description.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, ClassVar, TypeVar

from flask import Response, jsonify, request
from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, field_validator
from werkzeug.exceptions import BadRequest

from crm.common.errors import Invalid
from crm.common.ids import MAX_BIGINT, MAX_ID, parse_int
from crm.common.pagination import Page, parse_limit
from crm.common.registry import ApiRoute

#: Deeper JSON than any body of ours (the deepest is three levels) is refused before parsing:
#: json.loads recurses per level, and tens of thousands of `[` escape it as RecursionError.
MAX_JSON_DEPTH = 64
_SPECIAL = re.compile(rb'["\\\[\]{}]')
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_LEAF_PAIR = re.compile(rb"[\[{][^\[\]{}]*[\]}]")
_BRACKET = re.compile(rb"[\[\]{}]")
_DIGITS = re.compile(r"[+-]?[0-9]+", re.ASCII)

V = TypeVar("V", bound=Callable[..., Any])


def _out_of_range(value: Any, limit: int) -> bool:
    if isinstance(value, int):
        return not -limit <= value <= limit
    if isinstance(value, list | tuple | set):
        return any(_out_of_range(v, limit) for v in value)
    return False


def json_depth(data: bytes, limit: int = MAX_JSON_DEPTH) -> int:
    """How deeply a JSON text nests (brackets outside strings), counting no further than limit+1.

    Not a parser. A well-formed text is measured in regular-expression passes (its strings
    removed, then each pass removes the innermost bracket pairs: as many passes as levels),
    so a body of 10,000 items costs no Python loop per bracket. Anything else (an unclosed
    string, brackets left unpaired, a text deeper than the limit) is scanned: linear in the
    body, visiting only quotes, backslashes and brackets. A text that is not JSON gets some
    number and json.loads refuses it afterwards.
    """
    bare = _STRING.sub(b"", data)
    if b'"' not in bare:
        passes = 0
        while passes <= limit:
            bare, removed = _LEAF_PAIR.subn(b"", bare)
            if not removed:
                break
            passes += 1
        if passes <= limit and not _BRACKET.search(bare):
            return passes
    return _scanned_depth(data, limit)


def _scanned_depth(data: bytes, limit: int) -> int:
    depth = deepest = 0
    in_string = False
    skip_to = 0  # the character after a backslash is escaped, whatever it is
    for match in _SPECIAL.finditer(data):
        at = match.start()
        if at < skip_to:
            continue
        char = data[at]
        if in_string:
            if char == 0x5C:  # backslash
                skip_to = at + 2
            elif char == 0x22:  # quote
                in_string = False
        elif char == 0x22:
            in_string = True
        elif char in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    break
        elif char in (0x5D, 0x7D):  # ] }
            depth -= 1
    return deepest


def _takes_int_not_str(annotation: Any) -> tuple[bool, bool]:
    """(int accepted, str accepted) by an annotation, looking through Optional and lists."""
    if annotation is int:
        return True, False
    if annotation is str:
        return False, True
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType, list, set, tuple, frozenset, typing.Annotated):
        args = typing.get_args(annotation)
        if origin is typing.Annotated:
            args = args[:1]
        found = [_takes_int_not_str(a) for a in args]
        return any(f[0] for f in found), any(f[1] for f in found)
    return False, False


def _bad_integer_text(value: Any) -> bool:
    if isinstance(value, str):
        return not _DIGITS.fullmatch(value.strip())
    if isinstance(value, list | tuple | set):
        return any(_bad_integer_text(v) for v in value)
    return False


class ApiModel(BaseModel):
    """Request bodies: unknown fields (`id`, `role`, …) are refused, never mass-assigned."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    #: Integer fields kept in BIGINT columns (counts); every other integer is an id or a number
    #: of an INTEGER column, which the database refuses (or cannot even look up) past MAX_ID.
    bigint_fields: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _integers_in_ascii_digits(cls, value: Any, info: ValidationInfo) -> Any:
        """Integers given as text: ASCII digits only (pydantic, like int(), takes "1_2")."""
        if info.field_name is None or not isinstance(value, str | list | tuple | set):
            return value
        field_info = cls.model_fields.get(info.field_name)
        if field_info is None:
            return value
        takes_int, takes_str = _takes_int_not_str(field_info.annotation)
        if takes_int and not takes_str and _bad_integer_text(value):
            raise ValueError("must be a whole number in digits 0-9")
        return value

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
    # Other success answers, by status (e.g. 202 with a job for a large bulk action).
    also: dict[int, type[BaseModel]] = field(default_factory=dict)


def doc(summary: str, **kwargs: Any) -> Callable[[V], V]:
    def decorate(view: V) -> V:
        view.crm_openapi = RouteDoc(summary=summary, **kwargs)  # type: ignore[attr-defined]  # a function attribute
        return view

    return decorate


class ApiRoutes:
    """The API routes of one module, recorded by decorators shaped like Flask's
    (`@routes.get(rule)`, `@routes.post(rule)`, …). Iterating gives the `ApiRoute`s in the
    order they were declared, for `registry(app).api_routes.extend(...)`."""

    def __init__(self) -> None:
        self._routes: list[ApiRoute] = []

    def __iter__(self) -> Iterator[ApiRoute]:
        return iter(self._routes)

    def route(self, rule: str, **options: Any) -> Callable[[V], V]:
        def decorate(view: V) -> V:
            self._routes.append(ApiRoute(rule, view, options))
            return view

        return decorate

    def _method(self, method: str, rule: str, options: dict[str, Any]) -> Callable[[V], V]:
        if "methods" in options:
            raise TypeError("Use the 'route' decorator to use the 'methods' argument.")
        return self.route(rule, methods=[method], **options)

    def get(self, rule: str, **options: Any) -> Callable[[V], V]:
        return self._method("GET", rule, options)

    def post(self, rule: str, **options: Any) -> Callable[[V], V]:
        return self._method("POST", rule, options)

    def put(self, rule: str, **options: Any) -> Callable[[V], V]:
        return self._method("PUT", rule, options)

    def patch(self, rule: str, **options: Any) -> Callable[[V], V]:
        return self._method("PATCH", rule, options)

    def delete(self, rule: str, **options: Any) -> Callable[[V], V]:
        return self._method("DELETE", rule, options)


def refuse_deep_json() -> None:
    """Refuse (400) a request body that nests deeper than MAX_JSON_DEPTH, before it is parsed.

    Runs before every API request (crm.api adds it to each app's blueprint), so no route
    that reads JSON, through read_json or request.get_json, sees one.
    """
    if request.method in ("GET", "HEAD", "OPTIONS") or request.mimetype in (
        "multipart/form-data",
        "application/x-www-form-urlencoded",
    ):
        return
    data = request.get_data(cache=True)
    if data and json_depth(data) > MAX_JSON_DEPTH:
        raise BadRequest(f"The request body is nested too deeply (at most {MAX_JSON_DEPTH}).")


def read_json() -> Any:
    """The request body as JSON (None when empty); a body that is not JSON is a 400."""
    try:
        data = request.get_json(force=True, silent=True)
    except RecursionError:
        raise BadRequest("The request body is nested too deeply.") from None
    if data is None and request.get_data(cache=True).strip():
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
    """An id or number of an INTEGER column from the query string (digits 0-9 only)."""
    raw = request.args.get(name)
    if raw in (None, ""):
        return None
    if parse_int(raw, low=-MAX_BIGINT) is None:
        raise Invalid({name: ["must be a whole number"]})
    value = parse_int(raw, low=-MAX_ID, high=MAX_ID)
    if value is None:
        raise Invalid({name: [f"must be at most {MAX_ID}"]})
    return value


def query_date(name: str) -> date | None:
    raw = request.args.get(name)
    if raw in (None, ""):
        return None
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", raw, re.ASCII):
        raise Invalid({name: ["must be a date YYYY-MM-DD"]})
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
