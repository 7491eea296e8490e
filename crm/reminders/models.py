"""Reminders (tasks): raised by the daily scan's rules (R7), by other domains, or by hand."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.auth.models import User
from crm.db import Base, UTCDateTime, utcnow

REMINDER_STATUSES = ("open", "done", "dismissed")


class Reminder(Base):
    """A task for one user. Rule-raised reminders carry a unique `dedupe_key`, so a scan run
    twice (or twice at once) raises nothing new, and a dismissed one never comes back: its
    key stays taken. Manual reminders have no key (NULLs never collide)."""

    __tablename__ = "reminders"
    __table_args__ = (
        Index("ix_reminders_assignee_status_due", "assignee_id", "status", "due_on"),
        Index("ix_reminders_status_due", "status", "due_on"),
        Index("ix_reminders_creator", "creator_id", "status"),
        Index("ix_reminders_subject", "subject_type", "subject_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    due_on: Mapped[date] = mapped_column(Date)
    assignee_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # The creator the task is about (optional). No relationship: the reminders engine knows no
    # domain; pages name and link it through the registry's record links.
    creator_id: Mapped[int | None] = mapped_column(ForeignKey("creators.id", ondelete="CASCADE"))
    # What it is about, e.g. ("nda", 12); free-form so any domain can point at its records.
    subject_type: Mapped[str | None] = mapped_column(String(40))
    subject_id: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="open")
    rule: Mapped[str] = mapped_column(String(60), default="")  # empty for manual reminders
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    snoozed_until: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when done or dismissed

    assignee: Mapped[User] = relationship(foreign_keys=[assignee_id], lazy="raise")
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id], lazy="raise")

    def hidden_on(self, day: date) -> bool:
        """Snoozed: out of the lists and counts until `snoozed_until`."""
        return self.snoozed_until is not None and self.snoozed_until > day
