"""What the board, the list, the report and the exports may be narrowed by."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any, TypeVar

from sqlalchemy import Select, select

from crm.common.errors import FieldErrors
from crm.common.ids import parse_id
from crm.common.timeutil import utc_day_after
from crm.creators.models import Creator
from crm.creators.search import matches as creator_matches
from crm.feedback.models import CATEGORIES, SEVERITIES, STATUSES, Feedback

CREATOR_QUERY_MAX = 200

S = TypeVar("S", bound="Select[*tuple[Any, ...]]")


@dataclass
class Filters:
    """What the board, the list, the report and the exports may be narrowed by."""

    product_id: int | None = None
    category: str | None = None
    severity: str | None = None
    status: str | None = None
    creator_id: int | None = None
    since: date | None = None
    until: date | None = None
    # A creator by name as typed (any part of the name, a handle or the email).
    creator: str | None = None

    def apply(self, stmt: S) -> S:
        if self.product_id is not None:
            stmt = stmt.where(Feedback.product_id == self.product_id)
        if self.category:
            stmt = stmt.where(Feedback.category == self.category)
        if self.severity:
            stmt = stmt.where(Feedback.severity == self.severity)
        if self.status:
            stmt = stmt.where(Feedback.status == self.status)
        if self.creator_id is not None:
            stmt = stmt.where(Feedback.creator_id == self.creator_id)
        if self.creator:
            named = select(Creator.id).where(creator_matches(self.creator.lower()))
            stmt = stmt.where(Feedback.creator_id.in_(named))
        if self.since:
            stmt = stmt.where(Feedback.created_at >= datetime.combine(self.since, time(), UTC))
        if self.until:
            stmt = stmt.where(Feedback.created_at < utc_day_after(self.until))
        return stmt

    def as_args(self) -> dict:
        """The filters as query-string arguments (for links and exports)."""
        out = {}
        for key, value in self.__dict__.items():
            if value is not None and value != "":
                out[key] = value.isoformat() if isinstance(value, date) else value
        return out


def parse_filters(args: Mapping[str, Any], *, ignore: tuple[str, ...] = ()) -> Filters:
    """Shared by pages and the API: a wrong value is a field error, never ignored silently."""
    errors = FieldErrors()
    filters = Filters()

    def text(name: str) -> str | None:
        raw = args.get(name)
        return raw.strip() if isinstance(raw, str) and raw.strip() and name not in ignore else None

    for name in ("product_id", "creator_id"):
        raw = text(name)
        if raw is not None:
            if parse_id(raw) is not None:
                setattr(filters, name, parse_id(raw))
            else:
                errors.add(name, "must be a whole number")
    creator = text("creator")
    if creator is not None:
        if len(creator) > CREATOR_QUERY_MAX:
            errors.add("creator", f"must be at most {CREATOR_QUERY_MAX} characters")
        else:
            filters.creator = creator
    for name, allowed in (("category", CATEGORIES), ("severity", SEVERITIES), ("status", STATUSES)):
        raw = text(name)
        if raw is not None:
            if raw in allowed:
                setattr(filters, name, raw)
            else:
                errors.add(name, f"must be one of {', '.join(allowed)}")
    for name in ("since", "until"):
        raw = text(name)
        if raw is not None:
            try:
                setattr(filters, name, date.fromisoformat(raw))
            except ValueError:
                errors.add(name, "must be a date YYYY-MM-DD")
    if filters.since and filters.until and filters.since > filters.until:
        errors.add("until", "must not be before the start date")
    errors.raise_if_any()
    return filters
