"""Request arguments of pages, parsed like the API's (crm.api.base): ids in digits 0-9 that
fit the id columns, limits, dates. A malformed argument is refused with a clear message (the
error page, 400) rather than reaching the database."""

from __future__ import annotations

from flask import request

from crm.common.errors import Invalid
from crm.common.ids import MAX_ID, parse_id


def arg_id(name: str, *, refuse: bool = True) -> int | None:
    """The id in query argument `name`, None when absent (or malformed, with refuse=False)."""
    raw = request.args.get(name)
    if raw in (None, ""):
        return None
    value = parse_id(raw)
    if value is None and refuse:
        raise Invalid({name: [f"must be an id: digits 0-9, at most {MAX_ID}"]})
    return value
