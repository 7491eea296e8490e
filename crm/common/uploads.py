"""Per-user upload quota (SECURITY item 22): total bytes a user may store per UTC day.

Counted in the database from what was actually stored, so it holds across processes and
restarts. Each domain that stores uploads reports its own as an `UploadUsage` in the app's
registry (crm/common/registry.py): approvals the media of the revisions a user submitted
today, agreements the signed NDA documents they uploaded today. `UPLOAD_QUOTA_BYTES_PER_DAY`
sets the allowance; 0 or less switches it off.

A refused upload answers 429 with `Retry-After` (seconds to the next UTC midnight) and a
message that says how much is left; the per-file limit (413) is separate.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, time, timedelta

from sqlalchemy.orm import Session

from crm.common.errors import TooManyRequests
from crm.common.registry import registry
from crm.db import utcnow

DEFAULT_QUOTA_BYTES_PER_DAY = 200 * 1024 * 1024


class UploadQuotaExceeded(TooManyRequests):
    title = "Upload quota exceeded"


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def day_start(now: datetime) -> datetime:
    return datetime.combine(now.astimezone(UTC).date(), time(), UTC)


def seconds_to_midnight(now: datetime) -> int:
    return max(1, int((day_start(now) + timedelta(days=1) - now).total_seconds()))


def quota_bytes(config: Mapping) -> int | None:
    value = config.get("UPLOAD_QUOTA_BYTES_PER_DAY", DEFAULT_QUOTA_BYTES_PER_DAY)
    value = int(value or 0)
    return value if value > 0 else None


def used_today(session: Session, user_id: int, now: datetime | None = None) -> int:
    """Bytes this user stored since the start of the current UTC day (every domain's
    `UploadUsage` of the current app)."""
    since = day_start(now or utcnow())
    return sum(
        int(usage.bytes_since(session, user_id, since) or 0) for usage in registry().upload_usage
    )


class Allowance:
    """What one user may still upload today; `refuse(size)` raises once a file passes it."""

    def __init__(self, limit: int | None, used: int, now: datetime):
        self.limit = limit
        self.used = used
        self.now = now

    @property
    def remaining(self) -> int | None:
        return None if self.limit is None else max(0, self.limit - self.used)

    def exceeded_by(self, size: int) -> bool:
        return self.remaining is not None and size > self.remaining

    def refuse(self) -> UploadQuotaExceeded:
        return UploadQuotaExceeded(
            f"Your daily upload quota of {_mb(self.limit or 0)} is used up "
            f"({_mb(self.remaining or 0)} left today); this file does not fit. "
            "Try again tomorrow or ask an admin.",
            seconds_to_midnight(self.now),
        )

    def check_any_left(self) -> None:
        if self.remaining == 0:
            raise self.refuse()


def allowance(
    session: Session, user: object, config: Mapping, now: datetime | None = None
) -> Allowance:
    now = now or utcnow()
    limit = quota_bytes(config)
    user_id = getattr(user, "id", None)
    if limit is None or user_id is None:
        return Allowance(None, 0, now)
    return Allowance(limit, used_today(session, user_id, now), now)
