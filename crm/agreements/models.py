from __future__ import annotations

import hashlib
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    false,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.creators.models import Creator
from crm.db import Base, UTCDateTime, utcnow

NDA_STATUSES = ("draft", "sent", "signed", "expired", "terminated")
GRANT_STATUSES = ("active", "suspended", "revoked", "expired")
DEAL_KINDS = ("paid", "in_kind", "hybrid")
DEAL_STATUSES = ("proposed", "negotiating", "signed", "active", "completed", "cancelled")


def terms_sha256(terms: str | None) -> str:
    """The digest a signature records of the exact terms it agreed to."""
    return hashlib.sha256((terms or "").encode()).hexdigest()


class Product(Base):
    """A model or tool creators may get access to; unreleased until `public_on`."""

    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    public_on: Mapped[date | None] = mapped_column(Date)
    # Need-to-know while unreleased (crm/agreements/clearance.py): legal reviews the leaks,
    # so legal is cleared unless an admin turns it off for this product.
    legal_cleared: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def released_on(self, day: date) -> bool:
        return self.public_on is not None and self.public_on <= day


class ProductClearance(Base):
    """A user an admin cleared for an unreleased product (admins are always cleared)."""

    __tablename__ = "product_clearances"
    __table_args__ = (Index("ix_product_clearances_user", "user_id"),)

    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    granted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


nda_products = Table(
    "nda_products",
    Base.metadata,
    Column("nda_id", ForeignKey("ndas.id", ondelete="CASCADE"), primary_key=True),
    Column("product_id", ForeignKey("products.id", ondelete="RESTRICT"), primary_key=True),
    Index("ix_nda_products_product", "product_id"),
)


class Nda(Base):
    __tablename__ = "ndas"
    __table_args__ = (
        Index("ix_ndas_creator", "creator_id", "status"),
        Index("ix_ndas_status_expires", "status", "expires_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    creator_id: Mapped[int] = mapped_column(ForeignKey("creators.id", ondelete="RESTRICT"))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    effective_on: Mapped[date | None] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)  # empty = open-ended
    terms: Mapped[str] = mapped_column(Text, default="")
    # The signed PDF: stored under a random name outside the static folder.
    document_name: Mapped[str | None] = mapped_column(String(255))
    document_path: Mapped[str | None] = mapped_column(String(255))
    document_sha256: Mapped[str | None] = mapped_column(String(64))
    document_size: Mapped[int | None] = mapped_column(BigInteger)
    ended_on: Mapped[date | None] = mapped_column(Date)
    # The day it was signed, and (when no PDF is stored) that the paper original is on file.
    signed_on: Mapped[date | None] = mapped_column(Date)
    signed_on_paper: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The SHA-256 of the terms its latest signature agreed to: terms edited since then are
    # not signed, so R1 stops honouring the NDA until it is signed again.
    signed_terms_sha256: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    creator: Mapped[Creator] = relationship(lazy="raise")
    products: Mapped[list[Product]] = relationship(secondary=nda_products, lazy="selectin")

    @property
    def terms_sha256(self) -> str:
        return terms_sha256(self.terms)

    @property
    def needs_resignature(self) -> bool:
        """Signed, but over other terms than the ones it holds now."""
        return (
            self.status == "signed"
            and self.signed_terms_sha256 is not None
            and self.signed_terms_sha256 != self.terms_sha256
        )

    def in_force_on(self, day: date) -> bool:
        return (
            self.status == "signed"
            and self.effective_on is not None
            and self.effective_on <= day
            and (self.expires_on is None or day <= self.expires_on)
        )


class Grant(Base):
    """Early or in-kind access to a product; gated by an NDA while the product is unreleased."""

    __tablename__ = "grants"
    __table_args__ = (
        Index("ix_grants_creator", "creator_id", "status"),
        Index("ix_grants_status_ends", "status", "ends_on"),
        Index("ix_grants_nda", "nda_id"),
        Index("ix_grants_product", "product_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    creator_id: Mapped[int] = mapped_column(ForeignKey("creators.id", ondelete="RESTRICT"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="RESTRICT"))
    nda_id: Mapped[int | None] = mapped_column(ForeignKey("ndas.id", ondelete="RESTRICT"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    tier: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(20), default="active")
    monthly_value_minor: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str | None] = mapped_column(String(3))
    revoked_reason: Mapped[str | None] = mapped_column(Text)
    # First day the grant stopped being active (revoked, suspended or expired); empty while
    # active. In-kind accounting counts active days up to the day before it.
    ended_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    creator: Mapped[Creator] = relationship(lazy="raise")
    product: Mapped[Product] = relationship(lazy="joined")
    nda: Mapped[Nda | None] = relationship(lazy="raise")


deal_grants = Table(
    "deal_grants",
    Base.metadata,
    Column("deal_id", ForeignKey("deals.id", ondelete="CASCADE"), primary_key=True),
    Column("grant_id", ForeignKey("grants.id", ondelete="RESTRICT"), primary_key=True),
    Index("ix_deal_grants_grant", "grant_id"),
)


class Deal(Base):
    __tablename__ = "deals"
    __table_args__ = (
        Index("ix_deals_creator", "creator_id", "status"),
        Index("ix_deals_status_ends", "status", "ends_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    creator_id: Mapped[int] = mapped_column(ForeignKey("creators.id", ondelete="RESTRICT"))
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    fee_minor: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str | None] = mapped_column(String(3))
    # In-kind value stated when no grant carries it (e.g. hardware, event tickets).
    in_kind_value_minor: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(20), default="proposed")
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    deliverables: Mapped[str] = mapped_column(Text, default="")
    usage_rights: Mapped[str] = mapped_column(Text, default="")
    usage_rights_until: Mapped[date | None] = mapped_column(Date)
    # Values of the admin-defined deal fields (crm/creators/custom_fields.py), by key.
    custom_fields: Mapped[dict | None] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    creator: Mapped[Creator] = relationship(lazy="raise")
    grants: Mapped[list[Grant]] = relationship(secondary=deal_grants, lazy="selectin")
    payments: Mapped[list[Payment]] = relationship(
        back_populates="deal",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="Payment.due_on",
    )


class Payment(Base):
    __tablename__ = "payments"
    __table_args__ = (
        Index("ix_payments_due", "paid_on", "due_on"),
        # The expiring page walks open payments by due date; only unpaid rows are indexed.
        Index(
            "ix_payments_open_due",
            "due_on",
            "id",
            sqlite_where=text("paid_on IS NULL"),
            postgresql_where=text("paid_on IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"), index=True)
    due_on: Mapped[date] = mapped_column(Date)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    paid_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(500), default="")
    # A voided payment stays for the record but counts in no total and raises no reminder.
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    void_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    deal: Mapped[Deal] = relationship(back_populates="payments", lazy="raise")
