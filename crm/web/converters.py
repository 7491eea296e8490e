"""URL converters: `<int:…>` ids that fit a database column, so a huge id is a plain 404.

The digits are bounded in the pattern rather than with `max=`: a value refused by the
converter after the pattern matched makes werkzeug answer 405 for the other methods of the
same URL, where a pattern that does not match is a 404 for every method.
"""

from __future__ import annotations

from werkzeug.routing import IntegerConverter


class IdConverter(IntegerConverter):
    regex = r"\d{1,18}"  # below 2**63 (BIGINT; SQLite raises OverflowError past it)


def register(app) -> None:
    app.url_map.converters["int"] = IdConverter
