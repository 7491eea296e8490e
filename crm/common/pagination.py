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
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_
from sqlalchemy.orm import Session

from crm.common.errors import Invalid

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


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
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise Invalid({"limit": ["must be a whole number"]}) from None
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
    if isinstance(value, dict):
        if "dt" in value:
            return datetime.fromisoformat(value["dt"])
        if "d" in value:
            return date.fromisoformat(value["d"])
    return value


def encode_cursor(values: list[Any]) -> str:
    raw = json.dumps([_tag(v) for v in values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, size: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(values, list) or len(values) != size:
            raise ValueError
        return [_untag(v) for v in values]
    except (ValueError, binascii.Error, UnicodeDecodeError, TypeError):
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
        stmt = stmt.where(_after(order, decode_cursor(cursor, len(order))))
    stmt = stmt.order_by(*[k.column.desc() if k.descending else k.column.asc() for k in order])
    result = session.execute(stmt.limit(limit + 1))
    rows = list(result.scalars() if scalars else result)
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor([_read(last, k.attr) for k in order])
    return Page(rows, next_cursor)


def _read(row: object, attr: str) -> Any:
    value = row
    for part in attr.split("."):
        value = getattr(value, part)
    return value
