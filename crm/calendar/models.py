"""The per-user secret of the calendar feed.

The feed's URL is `/calendar/feed/<user id>-<HMAC of the user id and version>.ics`: nothing
secret is stored, and resetting it raises the version, which kills the old URL.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from crm.db import Base, UTCDateTime, utcnow


class CalendarFeed(Base):
    __tablename__ = "calendar_feeds"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer, default=0)
    reset_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
