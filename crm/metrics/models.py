"""Audience snapshots: one row per account per day (R9)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crm.db import Base, UTCDateTime, utcnow

SOURCES = ("api", "manual", "import")


class Snapshot(Base):
    """Audience figures of one account on one day. ``None`` means "not known", never zero.

    The unique (account_id, captured_on) constraint is both the one-per-day rule and the index
    that per-account history and "latest on or before a day" read; the (captured_on,
    account_id) index serves the movers' date-window scans across all accounts.
    """

    __tablename__ = "snapshots"
    __table_args__ = (
        UniqueConstraint("account_id", "captured_on"),
        Index("ix_snapshots_day", "captured_on", "account_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    captured_on: Mapped[date] = mapped_column(Date)
    followers: Mapped[int | None] = mapped_column(BigInteger)
    views: Mapped[int | None] = mapped_column(BigInteger)
    posts: Mapped[int | None] = mapped_column(BigInteger)
    source: Mapped[str] = mapped_column(String(10), default="api")
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
