"""URL converters: `<int:…>` ids that fit a database column, so a huge id is a plain 404.

The digits are bounded in the pattern rather than with `max=`: a value refused by the
converter after the pattern matched makes werkzeug answer 405 for the other methods of the
same URL, where a pattern that does not match is a 404 for every method.
"""

from __future__ import annotations

import re

from werkzeug.routing import IntegerConverter


class IdConverter(IntegerConverter):
    regex = r"\d{1,18}"  # below 2**63 (BIGINT; SQLite raises OverflowError past it)


def register(app) -> None:
    app.url_map.converters["int"] = IdConverter


_ID_TEXT = re.compile(r"[0-9]{1,18}")


def parse_id(raw) -> int | None:
    """An id typed into a form or query string, or None when it is not one.

    ASCII digits only (`str.isdigit` also accepts "²", which `int` refuses) and at most 18 of
    them, so the number always fits the database and never hits Python's digit limit.
    """
    if raw is None:
        return None
    text = str(raw).strip()
    return int(text) if _ID_TEXT.fullmatch(text) else None
