"""Keyset pagination: a cursor is the sort key of the last row seen, so deep pages stay fast.

`keyset_page(session, stmt, order, cursor, limit)` orders `stmt` by the given columns (the
last one must be unique, usually the id), fetches one extra row to know whether there is a
next page, and returns the rows with an opaque cursor for the next call.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Select, and_, func, literal, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator, TypeEngine

from crm.common.errors import Invalid
from crm.common.ids import MAX_BIGINT, MAX_ID, parse_int

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
COUNT_CAP = 1000


@dataclass
class Page:
    items: list
    next_cursor: str | None


@dataclass(frozen=True)
class SortKey:
    """One column of a keyset order; `attr` reads the value back from a result row."""

    column: Any
    attr: str
    descending: bool = False


def parse_limit(raw: str | int | None, default: int = DEFAULT_LIMIT) -> int:
    if raw in (None, ""):
        return default
    value = raw if type(raw) is int else parse_int(raw)
    if value is None:
        raise Invalid({"limit": ["must be a whole number"]})
    if not 1 <= value <= MAX_LIMIT:
        raise Invalid({"limit": [f"must be between 1 and {MAX_LIMIT}"]})
    return value


def _tag(value: object) -> object:
    if isinstance(value, datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    return value


def _untag(value: object) -> object:
    if isinstance(value, dict) and len(value) == 1:
        if isinstance(value.get("dt"), str):
            return datetime.fromisoformat(value["dt"])
        if isinstance(value.get("d"), str):
            return date.fromisoformat(value["d"])
    return value


def _impl(sql_type: TypeEngine) -> TypeEngine:
    while isinstance(sql_type, TypeDecorator):
        sql_type = sql_type.impl_instance
    return sql_type


def _python_type(sql_type: TypeEngine) -> type | None:
    try:
        return _impl(sql_type).python_type
    except NotImplementedError:
        return None


def _fits(value: object, key: SortKey) -> bool:
    """Whether a decoded cursor value has the type (and range) of its sort column.

    NULL is never a sort value (the keys are ids, NOT NULL columns or coalesced), and a
    value of another type would reach the database as a bound parameter it cannot compare.
    """
    sql_type = getattr(key.column, "type", None)
    expected = _python_type(sql_type) if sql_type is not None else None
    if expected is None:
        return isinstance(value, int | str | date) and not isinstance(value, bool)
    if expected is int:
        limit = MAX_BIGINT if isinstance(sql_type, BigInteger) else MAX_ID
        return type(value) is int and -limit <= value <= limit
    if expected is datetime:
        if not isinstance(value, datetime):
            return False
        if sql_type is not None and getattr(
            _impl(sql_type), "timezone", False
        ):  # aware columns refuse naive values
            if value.tzinfo is None:
                return False
            try:
                value.astimezone(UTC)
            except OverflowError:  # 0001-01-01T00:00+01:00 is before year 1 in UTC
                return False
        return True
    if expected is date:
        return isinstance(value, date) and not isinstance(value, datetime)
    if expected is str:
        return isinstance(value, str) and len(value) <= 1000
    return isinstance(value, expected) and not isinstance(value, bool)


def encode_cursor(values: list[Any]) -> str:
    raw = json.dumps([_tag(v) for v in values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


MAX_CURSOR_LENGTH = 2000


def decode_cursor(cursor: str, size: int, order: list[SortKey] | None = None) -> list[Any]:
    """The sort key a cursor holds; anything of another shape or type is refused (422).

    With `order`, each value must have its column's type: a cursor is opaque to clients but
    not signed, so a hand-made one must not reach the query with a type it cannot bind.
    """
    try:
        if len(cursor) > MAX_CURSOR_LENGTH:
            raise ValueError
        padded = cursor + "=" * (-len(cursor) % 4)
        raw = base64.urlsafe_b64decode(padded.encode("ascii"))
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != size:
            raise ValueError
        decoded = [_untag(v) for v in values]
        if order is not None and not all(_fits(v, k) for v, k in zip(decoded, order, strict=True)):
            raise ValueError
        return decoded
    except (ValueError, binascii.Error, UnicodeError, TypeError, RecursionError):
        raise Invalid({"cursor": ["is not a valid cursor"]}) from None


def _after(order: list[SortKey], values: list[Any]) -> ColumnElement[bool]:
    clauses = []
    for i, key in enumerate(order):
        equal = [order[j].column == values[j] for j in range(i)]
        step = key.column < values[i] if key.descending else key.column > values[i]
        clauses.append(and_(*equal, step))
    return or_(*clauses)


def keyset_page(
    session: Session,
    stmt: Select[*tuple[Any, ...]],
    order: list[SortKey],
    cursor: str | None,
    limit: int,
    *,
    scalars: bool = True,
) -> Page:
    if cursor:
        stmt = stmt.where(_after(order, decode_cursor(cursor, len(order), order)))
    stmt = stmt.order_by(*[k.column.desc() if k.descending else k.column.asc() for k in order])
    result = session.execute(stmt.limit(limit + 1))
    rows = list(result.scalars() if scalars else result)
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor([_read(last, k.attr) for k in order])
    return Page(rows, next_cursor)


def count_up_to(session: Session, stmt: Select[Any], cap: int = COUNT_CAP) -> int:
    """How many rows `stmt` matches, for the "42 creators" above a list: one statement that
    stops counting past `cap` (a list pages by cursor, so an exact count of a very large
    match would cost a scan on every page); a result above `cap` reads "more than cap"."""
    narrow = stmt.with_only_columns(literal(1), maintain_column_froms=True).order_by(None)
    limited = narrow.limit(cap + 1).subquery()
    return session.scalar(select(func.count()).select_from(limited)) or 0


def _read(row: object, attr: str) -> Any:
    value = row
    for part in attr.split("."):
        value = getattr(value, part)
    return value
