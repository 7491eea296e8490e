"""Submissions, their revisions, the checks run on each, legal's decisions, and settings.

A submission keeps a few counters up to date (`latest_revision`, `review_round`,
`failed_checks`, `in_review_since`) so the review queue filters and sorts in one indexed
query, and so a decision can be taken with one conditional UPDATE (see services.decide).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.agreements.models import Deal, Product
from crm.auth.models import User
from crm.creators.models import Creator
from crm.db import Base, UTCDateTime, utcnow

SUBMISSION_STATUSES = (
    "draft",
    "in_review",
    "changes_requested",
    "approved",
    "rejected",
    "published",
    "withdrawn",
)
DECISIONS = ("approve", "request_changes", "reject")


class Submission(Base):
    __tablename__ = "submissions"
    __table_args__ = (
        Index("ix_submissions_queue", "status", "in_review_since", "id"),
        Index("ix_submissions_creator", "creator_id", "created_at"),
        Index("ix_submissions_created", "created_at", "id"),
        Index("ix_submissions_submitted_by", "submitted_by"),
        Index("ix_submissions_deal", "deal_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    creator_id: Mapped[int] = mapped_column(ForeignKey("creators.id", ondelete="RESTRICT"))
    deal_id: Mapped[int | None] = mapped_column(ForeignKey("deals.id", ondelete="SET NULL"))
    platform: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    planned_for: Mapped[datetime] = mapped_column(UTCDateTime)
    is_video: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    published_url: Mapped[str | None] = mapped_column(String(500))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Made by the creator in the portal (crm.portal), not keyed in by staff.
    by_creator: Mapped[bool] = mapped_column(Boolean, default=False)
    # Number of the newest revision; a decision must name it (R5).
    latest_revision: Mapped[int] = mapped_column(Integer, default=0)
    # The revision the current approve/request_changes/reject decision was taken on.
    decided_revision: Mapped[int | None] = mapped_column(Integer)
    # Incremented each time the submission enters in_review; one decision per round.
    review_round: Mapped[int] = mapped_column(Integer, default=0)
    in_review_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Checks flagged on the latest revision (the queue's "failed checks only" filter).
    failed_checks: Mapped[int] = mapped_column(Integer, default=0)
    # ISO 3166 alpha-2 countries the post is aimed at, beside the creator's own: their rule
    # sets apply too (legal may add them during review).
    audience_countries: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    creator: Mapped[Creator] = relationship(lazy="raise")
    deal: Mapped[Deal | None] = relationship(lazy="raise")
    submitter: Mapped[User | None] = relationship(lazy="raise")
    revisions: Mapped[list[Revision]] = relationship(
        back_populates="submission",
        cascade="all, delete-orphan",
        lazy="raise",
        order_by="Revision.number",
    )
    decisions: Mapped[list[Decision]] = relationship(
        back_populates="submission",
        cascade="all, delete-orphan",
        lazy="raise",
        order_by="Decision.decided_at",
    )


class Revision(Base):
    __tablename__ = "revisions"
    __table_args__ = (UniqueConstraint("submission_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text, default="")
    media_url: Mapped[str | None] = mapped_column(String(500))
    # An uploaded image or video: stored under UPLOAD_DIR with a random name.
    media_name: Mapped[str | None] = mapped_column(String(255))
    media_path: Mapped[str | None] = mapped_column(String(255))
    media_type: Mapped[str | None] = mapped_column(String(50))
    media_size: Mapped[int | None] = mapped_column(BigInteger)
    media_sha256: Mapped[str | None] = mapped_column(String(64))
    content_hash: Mapped[str] = mapped_column(String(64))
    disclosure_in_video: Mapped[bool | None] = mapped_column(Boolean)
    # Made with our AI products: is the platform's AI label set? None = not asked/answered.
    ai_label: Mapped[bool | None] = mapped_column(Boolean)
    # Facts for the French rules (loi 2023-451 art. 5): were the images retouched (body or
    # face reshaped), and do they show a person's face or body? None = not answered.
    images_retouched: Mapped[bool | None] = mapped_column(Boolean)
    shows_person_body: Mapped[bool | None] = mapped_column(Boolean)
    submitted_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by_creator: Mapped[bool] = mapped_column(Boolean, default=False)

    submission: Mapped[Submission] = relationship(back_populates="revisions", lazy="raise")
    submitter: Mapped[User | None] = relationship(lazy="raise")
    checks: Mapped[list[RevisionCheck]] = relationship(
        back_populates="revision",
        cascade="all, delete-orphan",
        lazy="raise",
        order_by="RevisionCheck.id",
    )
    products: Mapped[list[Product]] = relationship(
        secondary="revision_products", lazy="raise", order_by="Product.name"
    )


class RevisionProduct(Base):
    """Every product a revision names (released or not): what R4's embargo looks at."""

    __tablename__ = "revision_products"
    __table_args__ = (Index("ix_revision_products_product", "product_id"),)

    revision_id: Mapped[int] = mapped_column(
        ForeignKey("revisions.id", ondelete="CASCADE"), primary_key=True
    )
    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), primary_key=True
    )


class RevisionCheck(Base):
    """One flag the automated checks raised on a revision (see checks.run_checks)."""

    __tablename__ = "revision_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(
        ForeignKey("revisions.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(Text)
    spans: Mapped[list] = mapped_column(JSON, default=list)
    product_id: Mapped[int | None] = mapped_column(
        ForeignKey("products.id", ondelete="SET NULL"), index=True
    )
    # The rule set that raised a disclosure or AI-label flag (US, UK, FR, DE, EU), what
    # would satisfy it, and the sources it cites.
    jurisdiction: Mapped[str | None] = mapped_column(String(2))
    remedy: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)

    revision: Mapped[Revision] = relationship(back_populates="checks", lazy="raise")


class Decision(Base):
    """Legal's decision on one revision and its content hash (R5).

    (submission_id, review_round) is unique: each time a submission enters in_review opens
    one round, which exactly one decision closes. A round belongs to one revision (a new
    revision opens a new round), so two reviewers can never both decide the same revision.
    """

    __tablename__ = "decisions"
    __table_args__ = (
        UniqueConstraint("submission_id", "review_round"),
        Index("ix_decisions_reviewer", "reviewer_id", "decided_at"),
        Index("ix_decisions_decided", "decided_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    review_round: Mapped[int] = mapped_column(Integer)
    revision_number: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    decision: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(Text, default="")
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    submission: Mapped[Submission] = relationship(back_populates="decisions", lazy="raise")
    reviewer: Mapped[User | None] = relationship(lazy="raise")


class StatusChange(Base):
    """The status history shown on the review page (the audit log holds the same facts)."""

    __tablename__ = "submission_status_changes"
    __table_args__ = (Index("ix_submission_status_changes_sub", "submission_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    revision_number: Mapped[int | None] = mapped_column(Integer)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_label: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ApprovalSettings(Base):
    """The banned claims, editable by admins; one row (id 1), absent = the defaults.

    The disclosure markers live in the rule sets (DisclosureRuleSet)."""

    __tablename__ = "approval_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    banned_claims: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class DisclosureRuleSet(Base):
    """An admin's edit of one jurisdiction's rule set (crm/approvals/disclosure/rules.py).

    No row = the shipped default. `document` holds the keys laid over the default; every
    save bumps `version` and writes an audit event with the before/after of each key.
    """

    __tablename__ = "disclosure_rule_sets"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(2), unique=True)
    document: Mapped[dict] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
