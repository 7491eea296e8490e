"""The creators' own accounts, sessions, links, NDA signatures and portal activity.

A portal account is not a user: it has no role, never reaches a staff page or the API, and
is linked to the creators it may act for (its own creator, or those it represents as an
agent). Sessions and links follow the staff ones (crm.auth): only the SHA-256 of a key or
token is stored, and a link is redeemed by one conditional UPDATE.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.creators.models import Creator
from crm.db import Base, UTCDateTime, utcnow

RELATIONS = ("creator", "representative")
LINK_PURPOSES = ("invite", "login", "reset")


class PortalAccount(Base):
    __tablename__ = "portal_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-cased
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(40), default="")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    notify_decisions: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    memberships: Mapped[list[PortalMembership]] = relationship(
        back_populates="account", lazy="selectin", order_by="PortalMembership.id"
    )

    def __repr__(self) -> str:
        return f"<PortalAccount {self.id}>"


class PortalMembership(Base):
    """Which creators an account acts for: its own (`creator`) or as their agent."""

    __tablename__ = "portal_memberships"
    __table_args__ = (
        UniqueConstraint("account_id", "creator_id", name="uq_portal_membership"),
        CheckConstraint("relation IN ('creator', 'representative')", name="relation"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("portal_accounts.id", ondelete="CASCADE"), index=True
    )
    creator_id: Mapped[int] = mapped_column(
        ForeignKey("creators.id", ondelete="CASCADE"), index=True
    )
    relation: Mapped[str] = mapped_column(String(20), default="creator")
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    account: Mapped[PortalAccount] = relationship(back_populates="memberships", lazy="joined")
    creator: Mapped[Creator] = relationship(lazy="joined")


class PortalLink(Base):
    """An emailed single-use link: an invitation (sets the password), a one-time login, or
    a password reset."""

    __tablename__ = "portal_links"
    __table_args__ = (
        CheckConstraint("purpose IN ('invite', 'login', 'reset')", name="purpose"),
        Index("ix_portal_links_account_purpose", "account_id", "purpose"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("portal_accounts.id", ondelete="CASCADE"))
    creator_id: Mapped[int] = mapped_column(ForeignKey("creators.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(10))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    account: Mapped[PortalAccount] = relationship(lazy="joined")


class PortalSession(Base):
    """Server-side session of a creator's browser, with the staff sessions' timeouts."""

    __tablename__ = "portal_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("portal_accounts.id", ondelete="CASCADE"), index=True
    )
    creator_id: Mapped[int] = mapped_column(ForeignKey("creators.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    authenticated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))

    account: Mapped[PortalAccount] = relationship(lazy="joined")


class NdaSignature(Base):
    """Evidence of a click-signature: who typed which name, when, from where, over exactly
    which terms (their SHA-256) and which version of the NDA."""

    __tablename__ = "nda_signatures"
    __table_args__ = (Index("ix_nda_signatures_nda", "nda_id", "signed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    nda_id: Mapped[int] = mapped_column(ForeignKey("ndas.id", ondelete="RESTRICT"))
    creator_id: Mapped[int] = mapped_column(ForeignKey("creators.id", ondelete="RESTRICT"))
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("portal_accounts.id", ondelete="SET NULL")
    )
    signer_email: Mapped[str] = mapped_column(String(254))
    typed_name: Mapped[str] = mapped_column(String(200))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ip: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    terms_sha256: Mapped[str] = mapped_column(String(64))
    document_version: Mapped[str] = mapped_column(String(64))
    document_sha256: Mapped[str | None] = mapped_column(String(64))
    terms: Mapped[str] = mapped_column(Text, default="")  # the exact text signed


class PortalActivity(Base):
    """What a creator did in the portal, for the staff timeline of the creator page."""

    __tablename__ = "portal_activity"
    __table_args__ = (Index("ix_portal_activity_creator_at", "creator_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    creator_id: Mapped[int] = mapped_column(ForeignKey("creators.id", ondelete="CASCADE"))
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("portal_accounts.id", ondelete="SET NULL")
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    action: Mapped[str] = mapped_column(String(60))
    summary: Mapped[str] = mapped_column(String(300))
    entity: Mapped[str | None] = mapped_column(String(40))
    entity_id: Mapped[int | None] = mapped_column(Integer)
