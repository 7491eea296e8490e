"""Chat channels (incoming-webhook URLs, one event kind each) and their outbox of messages."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crm.db import Base, UTCDateTime, utcnow

EVENTS = {
    "decision_recorded": "A decision is recorded on a submission",
    "critical_feedback": "Critical feedback is recorded",
    "grant_suspended": "A grant is suspended (its NDA ended)",
    "consent_conflict": "A creator's site refuses a use we record as allowed",
}


class ChatChannel(Base):
    __tablename__ = "chat_channels"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    event: Mapped[str] = mapped_column(String(30), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    # A cleared channel may hear amounts and the names of unreleased products.
    cleared: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ChatMessage(Base):
    """One message to one channel. `key` names the event it tells of, so an event raised
    twice (a job run twice) is queued once per channel."""

    __tablename__ = "chat_messages"
    __table_args__ = (
        UniqueConstraint("channel_id", "key"),
        Index("ix_chat_messages_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("chat_channels.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(
        String(10), default="pending"
    )  # pending|sending|sent|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str] = mapped_column(String(600), default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
