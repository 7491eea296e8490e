"""Audience snapshots: one row per account per day (R9)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, Float, ForeignKey, Index, String, UniqueConstraint
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


class StoredMover(Base):
    """One account's move over a period (7 or 30 days) to `end_on`, kept when snapshots are
    written so the home panel and the movers page read it instead of snapshot history.

    The rule is `crm.metrics.movers` (current: the latest count after the period's start;
    baseline: the latest on or before the start, no older than a period before it). Only
    accounts with both ends and a change are kept. Archived creators are left out on read.
    `magnitude` and `percent_magnitude` are the two orders of the boards, each indexed.
    """

    __tablename__ = "stored_movers"
    __table_args__ = (
        Index("ix_stored_movers_absolute", "end_on", "days", "magnitude"),
        Index("ix_stored_movers_percent", "end_on", "days", "percent_magnitude"),
        Index("ix_stored_movers_account", "account_id"),
    )

    end_on: Mapped[date] = mapped_column(Date, primary_key=True)
    days: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    base_on: Mapped[date] = mapped_column(Date)
    base: Mapped[int] = mapped_column(BigInteger)
    current_on: Mapped[date] = mapped_column(Date)
    current: Mapped[int] = mapped_column(BigInteger)
    magnitude: Mapped[int] = mapped_column(BigInteger)
    percent_magnitude: Mapped[float | None] = mapped_column(Float)


class MoverRun(Base):
    """The days whose movers were computed for every account (`stored_movers` is complete
    for `end_on`); a day without a run falls back to computing from the snapshots."""

    __tablename__ = "mover_runs"

    end_on: Mapped[date] = mapped_column(Date, primary_key=True)
    refreshed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
