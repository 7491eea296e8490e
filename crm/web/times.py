"""Times and days on pages: <time datetime="…"> elements that read in the viewer's zone.

Each element carries the machine-readable instant (with its offset) and the class `when`,
which keeps "3 Dec 2026" from breaking across lines. Planned posts and embargoes also show
the organisation's reading when it differs, so a manager in New York and legal in London
see the same instant the same way.
"""

from __future__ import annotations

from datetime import date, datetime

from flask import g
from flask_login import current_user
from markupsafe import Markup, escape

from crm.common.timefmt import format_day, format_moment, in_zones, viewer_zone, zone_label
from crm.common.timeutil import localize

SEPARATOR = Markup(" · ")


def _viewer_zone() -> str:
    """The viewer's zone, worked out once per request: a list shows a time on every row, and
    checking the zone's name and the organisation's setting each time was a fifth of the
    review queue. Kept with the user and their zone, so a login, a logout or a changed
    setting within the request reads afresh."""
    user = current_user._get_current_object()
    key = (id(user), getattr(user, "timezone", None))
    cached = g.get("_viewer_zone")
    if cached is not None and cached[0] == key:
        return cached[1]
    zone = viewer_zone(user)
    g._viewer_zone = (key, zone)
    return zone


def _element(iso: str, text: str, extra_class: str = "") -> Markup:
    # Plain concatenation of escaped parts: Markup.format costs more than the rest of a
    # filter call, and lists show a time on every row.
    classes = f"when {extra_class}" if extra_class else "when"
    return Markup(  # noqa: S704  # nosec B704  every part is escaped
        f'<time datetime="{escape(iso)}" class="{classes}">{escape(text)}</time>'
    )


def localtime(
    value: datetime | str | None,
    fmt: str | None = None,
    *,
    seconds: bool = False,
    org: bool = False,
    with_day: bool = True,
) -> Markup:
    """A time in the viewer's zone, labelled with it; `org=True` adds the organisation's
    reading when it differs (planned posts, embargoes); `with_day=False` shows the clock
    only, where the day is already said. A `fmt` without hours shows the day only (no zone
    label: a day has none). An ISO string (a time kept in JSON) is read as the instant it
    names; any other text is shown as it is."""
    if value is None or value == "":
        return Markup("")
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return Markup("{}").format(value)
    tz_name = _viewer_zone()
    local = localize(value, tz_name)
    assert local is not None
    iso = local.isoformat(timespec="seconds" if seconds else "minutes")
    if fmt is not None:
        text = local.strftime(fmt)
        if any(code in fmt for code in ("%H", "%I", "%M")):
            text = f"{text} {zone_label(local)}"
        return _element(iso, text)
    if org:
        readings = in_zones(value, tz_name, with_day=with_day)
        return SEPARATOR.join(
            _element(r.iso, r.text, "when-org" if r.org else "") for r in readings
        )
    return _element(iso, format_moment(value, tz_name, seconds=seconds, with_day=with_day))


def localdate(value: datetime | None) -> Markup:
    """The day of an instant on the viewer's calendar ("last contacted 3 Dec 2026")."""
    if value is None:
        return Markup("")
    local = localize(value, _viewer_zone())
    assert local is not None
    return _element(local.date().isoformat(), format_day(local.date()))


def day(value: date | str | None) -> Markup:
    """A calendar day (due dates, NDA ends, release days) that does not wrap mid-date; an
    ISO string is read as the day it names, any other text is shown as it is."""
    if value is None or value == "":
        return Markup("")
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            return Markup("{}").format(value)
    if isinstance(value, datetime):
        return localdate(value)
    return _element(value.isoformat(), format_day(value))
