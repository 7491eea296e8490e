"""Time: stored in UTC, shown in the user's zone; 'today' is the organisation's day.

`org_today()` and `org_zone()` are the only "today" and "our zone" of services and jobs: the
organisation's calendar (CRM_TIMEZONE) decides when an NDA expires, when a reminder is due
and which day a payout period ends, whatever zone the server or the user is in. A user's own
zone only changes how times are shown (`localize`, `user_today`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, TypeGuard
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from crm.db import utcnow

if TYPE_CHECKING:
    from flask import Flask

__all__ = [
    "TIMEZONES",
    "day_start_utc",
    "localize",
    "org_now",
    "org_today",
    "org_zone",
    "today_in",
    "user_today",
    "utcnow",
    "valid_timezone",
    "zone",
]


def _all_zones() -> list[str]:
    try:
        return sorted(available_timezones())
    except Exception:  # no tz database at all
        return ["UTC"]


TIMEZONES = _all_zones()


def valid_timezone(name: str | None) -> TypeGuard[str]:
    if not name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def zone(name: str | None) -> ZoneInfo:
    return ZoneInfo(name) if valid_timezone(name) else ZoneInfo("UTC")


def org_zone(app: Flask | None = None) -> ZoneInfo:
    """The organisation's zone (CRM_TIMEZONE of `app`, else of the current app); UTC outside
    an app context. Code holding an app that may run outside its context passes it."""
    from flask import current_app, has_app_context

    if app is None and has_app_context():
        app = current_app
    return zone(app.config.get("CRM_TIMEZONE", "UTC") if app is not None else "UTC")


def today_in(tz_name: str | None) -> date:
    return utcnow().astimezone(zone(tz_name)).date()


def org_now(app: Flask | None = None) -> datetime:
    """Now, in the organisation's zone."""
    return utcnow().astimezone(org_zone(app))


def org_today(app: Flask | None = None) -> date:
    """The organisation's day: what rules such as expiry, R7 and payout periods count from."""
    return org_now(app).date()


def user_today(user: object) -> date:
    """The day on the user's own calendar (only for what is shown to that user)."""
    return today_in(getattr(user, "timezone", None))


_FIRST_INSTANT = datetime.min.replace(tzinfo=UTC)
_LAST_INSTANT = datetime.max.replace(tzinfo=UTC)


def day_start_utc(day: date) -> datetime:
    """Midnight at the start of `day` in the organisation's zone, as an aware UTC datetime
    (the first or last instant there is, for a day at the very end of the calendar)."""
    try:
        return datetime.combine(day, time(), org_zone()).astimezone(UTC)
    except OverflowError:
        return _FIRST_INSTANT if day.year == date.min.year else _LAST_INSTANT


def utc_day_after(day: date) -> datetime:
    """The first instant after UTC day `day` (the next midnight), for `at < …` filters up to
    and including a day; the last instant there is when `day` is the calendar's last."""
    if day >= date.max:
        return _LAST_INSTANT
    return datetime.combine(day + timedelta(days=1), time(), UTC)


def localize(value: datetime | None, tz_name: str | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(zone(tz_name))
