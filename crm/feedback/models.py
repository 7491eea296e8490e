"""Feedback notes: what creators report about the models, triaged and forwarded to teams."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.agreements.models import Grant, Product
from crm.auth.models import User
from crm.common import labels
from crm.creators.models import Creator
from crm.db import Base, UTCDateTime, utcnow

CATEGORIES = ("limitation", "bug", "feature_request", "safety", "accessibility", "praise")
SEVERITIES = ("low", "medium", "high", "critical")
STATUSES = ("new", "triaged", "forwarded", "resolved", "wont_fix")
OPEN_STATUSES = ("new", "triaged", "forwarded")

CATEGORY_LABELS = labels.table("feedback_category")
STATUS_LABELS = labels.table("feedback_status")


class Feedback(Base):
    """One note. Every board and report filter has an index that starts with its column."""

    __tablename__ = "feedback"
    __table_args__ = (
        Index("ix_feedback_product_created", "product_id", "created_at"),
        Index("ix_feedback_status_created", "status", "created_at"),
        Index("ix_feedback_creator_created", "creator_id", "created_at"),
        Index("ix_feedback_category", "category", "severity"),
        Index("ix_feedback_severity_status", "severity", "status"),
        Index("ix_feedback_created", "created_at"),
        Index("ix_feedback_grant", "grant_id"),
        Index("ix_feedback_duplicate_of", "duplicate_of_id"),
        Index("ix_feedback_created_by", "created_by_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    creator_id: Mapped[int] = mapped_column(ForeignKey("creators.id", ondelete="RESTRICT"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="RESTRICT"))
    grant_id: Mapped[int | None] = mapped_column(ForeignKey("grants.id", ondelete="SET NULL"))
    category: Mapped[str] = mapped_column(String(20))
    severity: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")  # Markdown, rendered sanitised
    reproduction: Mapped[str] = mapped_column(Text, default="")  # prompt or steps
    status: Mapped[str] = mapped_column(String(20), default="new")
    forwarded_to: Mapped[str | None] = mapped_column(String(200))  # the team
    duplicate_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("feedback.id", ondelete="SET NULL")
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    creator: Mapped[Creator] = relationship(lazy="raise")
    product: Mapped[Product] = relationship(lazy="raise")
    grant: Mapped[Grant | None] = relationship(lazy="raise")
    created_by: Mapped[User | None] = relationship(lazy="raise")
    duplicate_of: Mapped[Feedback | None] = relationship(remote_side=[id], lazy="raise")

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def category_label(self) -> str:
        return CATEGORY_LABELS.get(self.category, self.category)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)
