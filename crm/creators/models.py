from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.auth.models import User
from crm.db import Base, UTCDateTime, utcnow

CREATOR_STATUSES = (
    "prospect",
    "contacted",
    "negotiating",
    "active",
    "paused",
    "ended",
    "do_not_contact",
)
PLATFORMS = ("youtube", "instagram", "tiktok", "x", "twitch", "linkedin", "other")
INTERACTION_KINDS = ("email", "call", "meeting", "message", "event", "note")


class Creator(Base):
    __tablename__ = "creators"
    __table_args__ = (
        Index("ix_creators_list", "archived", "display_name", "id"),
        Index("ix_creators_owner", "owner_id", "archived"),
        Index("ix_creators_status", "status", "archived"),
        Index("ix_creators_country", "country"),
        Index("ix_creators_email", "email"),
        Index("ix_creators_search_name", "search_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str] = mapped_column(String(200))
    # Lower-cased display name, kept by the service, so search and sort use an index.
    search_name: Mapped[str] = mapped_column(String(200), default="")
    legal_name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    country: Mapped[str | None] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(20), default="prospect")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    notes: Mapped[str] = mapped_column(Text, default="")
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Kept up to date by the services that change them, so lists never scan history.
    last_interaction_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    followers_total: Mapped[int | None] = mapped_column(BigInteger)
    # The creator's own web sites (http/https URLs), where their TDM signals are declared.
    sites: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Values of the admin-defined custom fields (crm/creators/custom_fields.py), by key.
    custom_fields: Mapped[dict | None] = mapped_column(JSON, default=dict)

    owner: Mapped[User | None] = relationship(lazy="raise")
    tags: Mapped[list[CreatorTag]] = relationship(
        back_populates="creator",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="CreatorTag.tag",
    )
    accounts: Mapped[list[Account]] = relationship(
        back_populates="creator",
        cascade="all, delete-orphan",
        lazy="raise",
        order_by="Account.platform, Account.handle",
    )
    representatives: Mapped[list[Representative]] = relationship(
        back_populates="creator", cascade="all, delete-orphan", lazy="raise"
    )

    @property
    def tag_names(self) -> list[str]:
        return [t.tag for t in self.tags]


class CreatorTag(Base):
    __tablename__ = "creator_tags"
    __table_args__ = (Index("ix_creator_tags_tag", "tag", "creator_id"),)

    creator_id: Mapped[int] = mapped_column(
        ForeignKey("creators.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(60), primary_key=True)

    creator: Mapped[Creator] = relationship(back_populates="tags")


class Representative(Base):
    """A creator's talent manager or agent."""

    __tablename__ = "representatives"

    id: Mapped[int] = mapped_column(primary_key=True)
    creator_id: Mapped[int] = mapped_column(
        ForeignKey("creators.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    agency: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(50))

    creator: Mapped[Creator] = relationship(back_populates="representatives")


class Account(Base):
    """A creator's channel on a platform. (platform, handle_key) is unique: one creator each."""

    __tablename__ = "accounts"
    __table_args__ = (
        UniqueConstraint("platform", "handle_key"),
        Index("ix_accounts_creator", "creator_id", "platform"),
        Index("ix_accounts_handle_key", "handle_key"),
        Index("ix_accounts_skeleton", "platform", "handle_skeleton"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    creator_id: Mapped[int] = mapped_column(ForeignKey("creators.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(20))
    handle: Mapped[str] = mapped_column(String(200))
    # Normalised handle: no leading "@", NFKC, case-folded; what uniqueness compares.
    handle_key: Mapped[str] = mapped_column(String(200))
    # TR39 skeleton of handle_key: a look-alike on the same platform is refused
    # (crm.creators.identity). Not unique: rows that collided before 0012 are kept.
    handle_skeleton: Mapped[str] = mapped_column(String(400), default="")
    external_id: Mapped[str | None] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Latest audience figures, kept by the metrics service so lists never scan snapshots.
    followers: Mapped[int | None] = mapped_column(BigInteger)
    followers_on: Mapped[date | None] = mapped_column(Date)
    last_error: Mapped[str | None] = mapped_column(String(500))
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fetch_state: Mapped[dict | None] = mapped_column(JSON)

    creator: Mapped[Creator] = relationship(back_populates="accounts", lazy="raise")


class Interaction(Base):
    __tablename__ = "interactions"
    __table_args__ = (Index("ix_interactions_creator_at", "creator_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    creator_id: Mapped[int] = mapped_column(ForeignKey("creators.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    summary: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User | None] = relationship(lazy="raise")


class SavedView(Base):
    """A user's named set of creator-list filters."""

    __tablename__ = "saved_views"
    __table_args__ = (UniqueConstraint("user_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    query: Mapped[dict] = mapped_column(JSON)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BulkJob(Base):
    """A bulk action on many creators, run in the background (crm/creators/bulk.py): who asked,
    what, on which ids, how far it got and each refused id with its reason."""

    __tablename__ = "bulk_jobs"
    __table_args__ = (Index("ix_bulk_jobs_status", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(20))
    value: Mapped[dict] = mapped_column(JSON, default=dict)  # {"value": …}
    ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending|running|done
    total: Mapped[int] = mapped_column(Integer, default=0)
    processed: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[list[int]] = mapped_column(JSON, default=list)
    refused: Mapped[dict] = mapped_column(JSON, default=dict)  # {"id": "reason"}
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


CUSTOM_FIELD_ENTITIES = ("creator", "deal")
CUSTOM_FIELD_TYPES = ("text", "number", "date", "choice", "choices", "url")


class CustomField(Base):
    """A field admins add to creators or deals; records keep its value under `key`."""

    __tablename__ = "custom_fields"
    __table_args__ = (UniqueConstraint("entity", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(String(10))
    key: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(100))
    type: Mapped[str] = mapped_column(String(10))
    choices: Mapped[list[str]] = mapped_column(JSON, default=list)
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
