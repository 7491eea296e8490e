"""Time: stored in UTC, shown in the user's zone; 'today' is the organisation's day."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from crm.db import utcnow

__all__ = ["TIMEZONES", "localize", "org_today", "today_in", "utcnow", "valid_timezone", "zone"]


def _all_zones() -> list[str]:
    try:
        return sorted(available_timezones())
    except Exception:  # no tz database at all
        return ["UTC"]


TIMEZONES = _all_zones()


def valid_timezone(name: str | None) -> bool:
    if not name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def zone(name: str | None) -> ZoneInfo:
    return ZoneInfo(name) if valid_timezone(name) else ZoneInfo("UTC")


def today_in(tz_name: str | None) -> date:
    return utcnow().astimezone(zone(tz_name)).date()


def localize(value: datetime | None, tz_name: str | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(zone(tz_name))


def org_today() -> date:
    """The organisation's day (CRM_TIMEZONE): what rules such as expiry and R7 count from."""
    from flask import current_app, has_app_context

    return today_in(current_app.config.get("CRM_TIMEZONE", "UTC") if has_app_context() else "UTC")
