"""How times and days read for people: "3 Dec 2026, 10:00 EST", never a bare "10:00".

The same post is 10:00 for a manager in New York and 15:00 for legal in London, so a time
without its zone is a trap next to an embargo. Every time shown carries its zone's
abbreviation, or its offset ("UTC+05:30") where the zone has no abbreviation of its own.
Pages wrap these strings in <time> elements (crm/web/times.py); emails use them as text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from crm.common.timeutil import localize, org_zone, valid_timezone

__all__ = [
    "ZonedTime",
    "format_day",
    "format_moment",
    "in_zones",
    "viewer_zone",
    "zone_label",
]


def zone_label(moment: datetime) -> str:
    """The zone's abbreviation at that moment (EST in winter, EDT in summer), or its offset.

    The tz database spells zones without a real abbreviation as "+01" or "-03", which people
    misread; those become "UTC+01:00"."""
    name = moment.tzname() or ""
    if name and name[0] not in "+-" and not name[0].isdigit():
        return name
    offset = moment.utcoffset()
    if offset is None or not offset:
        return "UTC"
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{rest:02d}"


def format_day(day: date) -> str:
    """3 Dec 2026: the month in letters, so 03/12 and 12/03 cannot be confused."""
    return f"{day.day} {day:%b %Y}"


def format_moment(
    value: datetime, tz_name: str | None, *, seconds: bool = False, with_day: bool = True
) -> str:
    """ "3 Dec 2026, 10:00 EST" in zone `tz_name`; `with_day=False` gives "10:00 EST"."""
    local = localize(value, tz_name)
    assert local is not None  # value is not None
    clock = f"{local:%H:%M:%S}" if seconds else f"{local:%H:%M}"
    text = f"{clock} {zone_label(local)}"
    return f"{format_day(local.date())}, {text}" if with_day else text


def viewer_zone(user: object) -> str:
    """The zone a user reads times in: their own, else the organisation's (CRM_TIMEZONE)."""
    name = getattr(user, "timezone", None) if getattr(user, "is_authenticated", True) else None
    return name if valid_timezone(name) else org_zone().key


@dataclass(frozen=True)
class ZonedTime:
    """One instant as read in one zone; `org` marks the organisation's reading."""

    iso: str
    text: str
    org: bool = False


def in_zones(
    value: datetime, user_tz: str, org_tz: str | None = None, *, with_day: bool = True
) -> list[ZonedTime]:
    """The instant in the user's zone, then in the organisation's when that reads differently.

    Two zones read the same when they have the same offset and abbreviation at that instant
    (New York and Toronto); then one reading is enough. The organisation's reading leaves out
    the day when it is the same day as the user's; `with_day=False` leaves it out of the
    user's reading too (a calendar cell already says which day it is)."""
    org_name = org_tz or org_zone().key
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    mine = localize(value, user_tz)
    theirs = localize(value, org_name)
    assert mine is not None and theirs is not None
    first = format_moment(value, user_tz, with_day=with_day)
    out = [ZonedTime(mine.isoformat(timespec="minutes"), first)]
    if mine.utcoffset() != theirs.utcoffset() or zone_label(mine) != zone_label(theirs):
        same_day = mine.date() == theirs.date()
        out.append(
            ZonedTime(
                theirs.isoformat(timespec="minutes"),
                format_moment(value, org_name, with_day=not same_day) + " (organisation)",
                org=True,
            )
        )
    return out
