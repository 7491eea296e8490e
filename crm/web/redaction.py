"""Every request reads as its user; every text response is redacted for them.

After the access check, the logged-in staff user becomes the request's viewer
(crm/common/clearance.py): from then on the session's reads leave out the records about
products that user is not cleared for, so lists, counts, selects and 404s agree.

Free text still names products: a caption, a check message, an audit entry's changes, a
deal's deliverables, a chart label. Rather than trusting every template and serialiser to
remember, the response itself is redacted: for a viewer with a hidden set, every HTML, JSON,
CSV, calendar and plain-text body has the hidden products' names and aliases replaced by
"a restricted product" (in HTML, text and attribute values, never tag names; in JSON, the
string values, never the keys). Binary bodies (documents, media) are left alone; the records
they belong to answer 404 already. Admins have no hidden set and pay nothing.
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Flask, Response, request
from flask_login import current_user
from markupsafe import escape

from crm.common.clearance import (
    RESTRICTED,
    HiddenSet,
    hidden_for,
    request_viewer,
    sees_everything,
    set_request_viewer,
)
from crm.common.permissions import PORTAL, PUBLIC, access_of

_TAG = re.compile(r"<[^>]*>")
_QUOTED = re.compile(r"(\"[^\"]*\"|'[^']*')")
_TEXT_TYPES = ("text/html", "text/csv", "text/plain", "text/calendar", "text/markdown")


def init_app(app: Flask) -> None:
    @app.before_request
    def read_as_the_user() -> None:
        view = app.view_functions.get(request.endpoint) if request.endpoint else None
        if view is None or access_of(view) in (PUBLIC, PORTAL):
            return  # a public route that acts for a user sets the viewer itself
        if current_user.is_authenticated:
            set_request_viewer(current_user._get_current_object())

    @app.after_request
    def redact_response(response: Response) -> Response:
        viewer = request_viewer()
        if sees_everything(viewer) or response.direct_passthrough or response.is_streamed:
            return response
        from crm.db import get_session

        hidden = hidden_for(get_session(), viewer)
        if hidden:
            redact_body(response, hidden)
        return response


def redact_body(response: Response, hidden: HiddenSet) -> None:
    mimetype = (response.mimetype or "").lower()
    if mimetype.endswith("json"):
        _redact_json(response, hidden)
    elif mimetype == "text/html":
        body = response.get_data(as_text=True)
        redacted = redact_html(body, hidden)
        if redacted != body:
            response.set_data(redacted)
    elif mimetype == "text/calendar":
        body = response.get_data(as_text=True)
        unfolded = body.replace("\r\n ", "")
        redacted = hidden.redact(unfolded)
        if redacted != unfolded:
            response.set_data(_fold(redacted))
    elif mimetype in _TEXT_TYPES:
        body = response.get_data(as_text=True)
        redacted = hidden.redact(body)
        if redacted != body:
            response.set_data(redacted)


def html_variant(hidden: HiddenSet) -> HiddenSet:
    """The same names as they appear once HTML-escaped (an apostrophe becomes &#39;)."""
    extra = tuple(str(escape(t)) for t in hidden.terms if str(escape(t)) != t)
    return HiddenSet(hidden.ids, hidden.terms + extra) if extra else hidden


def redact_html(body: str, hidden: HiddenSet) -> str:
    names = html_variant(hidden)
    if not names.names_any(_TAG.sub(" ", body)):
        return body
    out: list[str] = []
    last = 0
    for tag in _TAG.finditer(body):
        out.append(names.redact(body[last : tag.start()]))
        out.append(_QUOTED.sub(lambda m: names.redact(m.group(0)), tag.group(0)))
        last = tag.end()
    out.append(names.redact(body[last:]))
    redacted = "".join(out)
    # A name of several words that markup splits (a word diff's <ins>Orion</ins>
    # <ins>Ultra</ins>, a highlight per word): the words and the tags between them go.
    split = _split_names(names)
    return split.sub(RESTRICTED, redacted) if split is not None else redacted


def _split_names(hidden: HiddenSet) -> re.Pattern[str] | None:
    words = [t.split() for t in hidden.terms if len(t.split()) > 1]
    if not words:
        return None
    gap = r"(?:\s|<[^>]*>)+"
    alternatives = "|".join(
        gap.join(re.escape(p) for p in parts) for parts in sorted(words, key=len, reverse=True)
    )
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def _redact_json(response: Response, hidden: HiddenSet) -> None:
    body = response.get_data(as_text=True)
    try:
        data = json.loads(body)
    except ValueError:
        return
    redacted = redact_value(data, hidden)
    if redacted != data:
        response.set_data(json.dumps(redacted, ensure_ascii=False, separators=(",", ":")))


def redact_value(value: Any, hidden: HiddenSet) -> Any:
    """A JSON value with every string redacted; keys are names of fields, kept as they are."""
    if isinstance(value, str):
        return hidden.redact(value)
    if isinstance(value, list):
        return [redact_value(v, hidden) for v in value]
    if isinstance(value, dict):
        return {k: redact_value(v, hidden) for k, v in value.items()}
    return value


def _fold(body: str) -> str:
    """RFC 5545 lines of at most 75 octets, continued with a space."""
    lines = []
    for line in body.split("\r\n"):
        raw = line.encode("utf-8")
        if len(raw) <= 75:
            lines.append(line)
            continue
        parts: list[str] = []
        current = b""
        for ch in line:
            enc = ch.encode("utf-8")
            if len(current) + len(enc) > (75 if not parts else 74):
                parts.append(current.decode("utf-8"))
                current = b""
            current += enc
        parts.append(current.decode("utf-8"))
        lines.append("\r\n ".join(parts))
    return "\r\n".join(lines)
