"""URL converters: `<int:…>` ids that fit the id columns, so a huge id is a plain 404.

The digits are bounded in the pattern rather than with `max=`: a value refused by the
converter after the pattern matched makes werkzeug answer 405 for the other methods of the
same URL, where a pattern that does not match is a 404 for every method.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter

from crm.common.ids import ID_PATTERN, MAX_ID, parse_id

__all__ = ["MAX_ID", "IdConverter", "parse_id", "register"]


class IdConverter(IntegerConverter):
    regex = ID_PATTERN


def register(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter
