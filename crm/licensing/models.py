"""Training-data licensing: works, consent per use (R10), licences, payouts, contributor fund.

One module over 400 lines on purpose: these tables are one schema whose foreign keys and
relationships point at each other (works, consents, licences, payouts, fund runs, signals),
and splitting them would change the order the tables and mappers are declared in."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.creators.models import Creator
from crm.db import Base, UTCDateTime, utcnow

WORK_KINDS = ("video", "image", "text", "audio", "other")
# The C2PA / CAWG training-and-data-mining vocabulary.
USES = ("data_mining", "ai_inference", "ai_training", "ai_generative_training")
DECISIONS = ("allowed", "not_allowed", "constrained")
CONSENT_SOURCES = ("contract", "creator_request", "registry", "c2pa", "ai_txt")
FEE_MODELS = ("flat", "per_work", "revenue_share")
PAYOUT_STATUSES = ("due", "paid")
# Who holds the rights of a work: the creator alone, the creator with other holders, a client
# the work was made for (re-licensable only with a clause saying so), or nobody knows yet.
RIGHTS = ("creator", "shared", "client", "unknown")
RELEASE_KINDS = ("model", "property")


class Work(Base):
    """One item of a creator's catalogue. `url` is stored normalised and is unique."""

    __tablename__ = "works"
    __table_args__ = (
        Index("ix_works_creator", "creator_id", "kind", "id"),
        Index("ix_works_sha256", "sha256"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    creator_id: Mapped[int] = mapped_column(ForeignKey("creators.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(300))
    url: Mapped[str] = mapped_column(String(2000), unique=True)
    sha256: Mapped[str | None] = mapped_column(String(64))
    created_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Rights (who may license it) and what it shows (who must have signed a release).
    rights: Mapped[str] = mapped_column(String(10), default="unknown")
    rights_evidence: Mapped[str] = mapped_column(Text, default="")
    relicense_allowed: Mapped[bool] = mapped_column(Boolean, default=False)
    # For `client` rights: False while nobody knows yet whether the contract allows it.
    relicense_known: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    co_holders: Mapped[list[str]] = mapped_column(JSON, default=list)
    client_name: Mapped[str | None] = mapped_column(String(300))
    people_present: Mapped[bool] = mapped_column(Boolean, default=False)
    # How many identifiable people it shows (None with people present: at least one).
    people_count: Mapped[int | None] = mapped_column(Integer)
    property_present: Mapped[bool] = mapped_column(Boolean, default=False)
    # Training metadata, the way buyers search.
    language: Mapped[str | None] = mapped_column(String(35))
    duration_s: Mapped[float | None] = mapped_column(Float)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text, default="")

    creator: Mapped[Creator] = relationship(lazy="raise")
    tag_rows: Mapped[list[WorkTag]] = relationship(
        cascade="all, delete-orphan", lazy="raise", order_by="WorkTag.tag"
    )
    releases: Mapped[list[Release]] = relationship(
        secondary="release_works", back_populates="works", lazy="raise", order_by="Release.id"
    )

    @property
    def tags(self) -> list[str]:
        return [t.tag for t in self.tag_rows]

    @property
    def people_needed(self) -> int:
        if not self.people_present:
            return 0
        return max(1, self.people_count or 1)


class WorkTag(Base):
    """A free tag of a work (subject, capture conditions: `interview`, `clear-audio`)."""

    __tablename__ = "work_tags"
    __table_args__ = (Index("ix_work_tags_tag", "tag", "work_id"),)

    work_id: Mapped[int] = mapped_column(
        ForeignKey("works.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(60), primary_key=True)


release_works = Table(
    "release_works",
    Base.metadata,
    Column("release_id", ForeignKey("releases.id", ondelete="CASCADE"), primary_key=True),
    Column("work_id", ForeignKey("works.id", ondelete="RESTRICT"), primary_key=True),
    Index("ix_release_works_work", "work_id"),
)


class Release(Base):
    """A model release (a person shown) or a property release (a building, product or brand)
    signed for some uses, media and territory, until `expires_on` (empty: no end)."""

    __tablename__ = "releases"
    __table_args__ = (Index("ix_releases_creator", "creator_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    creator_id: Mapped[int] = mapped_column(ForeignKey("creators.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(10))
    subject: Mapped[str] = mapped_column(String(300))
    uses: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Work kinds it covers; empty: every medium.
    media: Mapped[list[str]] = mapped_column(JSON, default=list)
    territory: Mapped[str] = mapped_column(String(200), default="worldwide")
    signed_on: Mapped[date | None] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    revoked_on: Mapped[date | None] = mapped_column(Date)
    document_name: Mapped[str | None] = mapped_column(String(255))
    document_path: Mapped[str | None] = mapped_column(String(255))
    document_sha256: Mapped[str | None] = mapped_column(String(64))
    document_size: Mapped[int | None] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # `creator_request` when the creator recorded it in the portal (their upload quota).
    source: Mapped[str | None] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    works: Mapped[list[Work]] = relationship(
        secondary=release_works, back_populates="releases", lazy="raise", order_by="Work.id"
    )

    def in_force_on(self, day: date) -> bool:
        return release_in_force(self, day)

    def covers(self, kind: str, uses: Sequence[str]) -> bool:
        return release_covers(self, kind, uses)


def release_in_force(release: Any, day: date) -> bool:
    """A release (the model or a row with its dates) is in force: signed, not expired, not
    revoked on `day`."""
    return (release.signed_on is None or release.signed_on <= day) and (
        (release.expires_on is None or release.expires_on >= day)
        and (release.revoked_on is None or release.revoked_on > day)
    )


def release_covers(release: Any, kind: str, uses: Sequence[str]) -> bool:
    return (not release.media or kind in release.media) and all(u in release.uses for u in uses)


class Consent(Base):
    """A decision for one use, scoped to a work, to a kind, or to all of a creator's works."""

    __tablename__ = "consents"
    __table_args__ = (
        CheckConstraint("work_id IS NULL OR kind IS NULL", name="one_scope"),
        Index("ix_consents_creator_use", "creator_id", "use", "effective_on"),
        Index("ix_consents_work", "work_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    creator_id: Mapped[int] = mapped_column(ForeignKey("creators.id", ondelete="RESTRICT"))
    work_id: Mapped[int | None] = mapped_column(ForeignKey("works.id", ondelete="RESTRICT"))
    kind: Mapped[str | None] = mapped_column(String(10))
    use: Mapped[str] = mapped_column(String(30))
    decision: Mapped[str] = mapped_column(String(20))
    # `constraint` is an SQL keyword, so the column has another name.
    constraint: Mapped[str] = mapped_column("constraint_text", Text, default="")
    source: Mapped[str] = mapped_column(String(20))
    evidence: Mapped[str] = mapped_column(Text, default="")
    effective_on: Mapped[date] = mapped_column(Date)
    revoked_on: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    work: Mapped[Work | None] = relationship(lazy="raise")

    @property
    def scope(self) -> str:
        return consent_scope(self.work_id, self.kind)

    @property
    def scope_label(self) -> str:
        return consent_scope_label(self.work_id, self.kind)

    def in_force_on(self, day: date) -> bool:
        return self.effective_on <= day and (self.revoked_on is None or self.revoked_on > day)


def consent_scope(work_id: int | None, kind: str | None) -> str:
    if work_id is not None:
        return "work"
    if kind is not None:
        return "kind"
    return "all"


def consent_scope_label(work_id: int | None, kind: str | None) -> str:
    if work_id is not None:
        return f"work #{work_id}"
    if kind is not None:
        return f"all {kind} works"
    return "all works"


licence_works = Table(
    "licence_works",
    Base.metadata,
    Column("licence_id", ForeignKey("licences.id", ondelete="CASCADE"), primary_key=True),
    Column("work_id", ForeignKey("works.id", ondelete="RESTRICT"), primary_key=True),
    Index("ix_licence_works_work", "work_id"),
)


class Licence(Base):
    """A training licence over explicit works, or (`all_allowed_works`) every allowed work."""

    __tablename__ = "licences"
    __table_args__ = (Index("ix_licences_creator", "creator_id", "starts_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    creator_id: Mapped[int] = mapped_column(ForeignKey("creators.id", ondelete="RESTRICT"))
    title: Mapped[str] = mapped_column(String(300))
    uses: Mapped[list[str]] = mapped_column(JSON, default=list)
    fee_model: Mapped[str] = mapped_column(String(20))
    # flat / per_work: money per period / per work and period; revenue_share: basis points.
    rate_minor: Mapped[int | None] = mapped_column(BigInteger)
    rate_bp: Mapped[int | None] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    # Where the licensee may use the works: `worldwide` or country codes (`DE,FR`); every
    # release a covered work needs must cover it.
    territory: Mapped[str] = mapped_column(
        String(200), default="worldwide", server_default="worldwide"
    )
    all_allowed_works: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    creator: Mapped[Creator] = relationship(lazy="raise")
    works: Mapped[list[Work]] = relationship(secondary=licence_works, lazy="raise")
    payouts: Mapped[list[Payout]] = relationship(
        back_populates="licence", lazy="raise", order_by="Payout.period_start"
    )

    def in_force_during(self, start: date, end: date) -> bool:
        return self.starts_on <= end and (self.ends_on is None or self.ends_on >= start)


class Payout(Base):
    """What a licence owes for one period; stored once and never recomputed."""

    __tablename__ = "payouts"
    __table_args__ = (
        UniqueConstraint("licence_id", "period"),
        Index("ix_payouts_period", "period_start", "period_end"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    licence_id: Mapped[int] = mapped_column(ForeignKey("licences.id", ondelete="RESTRICT"))
    period: Mapped[str] = mapped_column(String(10))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    works_count: Mapped[int] = mapped_column(Integer)
    # The works counted, kept as evidence (and used by the contributor fund).
    work_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    revenue_minor: Mapped[int | None] = mapped_column(BigInteger)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(10), default="due")
    paid_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    licence: Mapped[Licence] = relationship(back_populates="payouts", lazy="raise")


class ManifestPeriod(Base):
    """The dataset manifest of a licence for one period, frozen: its records (one per work
    covered, with metadata, rights, releases and decisions) and the works removed since the
    period frozen before it. Stored once and never rewritten."""

    __tablename__ = "manifest_periods"
    __table_args__ = (
        UniqueConstraint("licence_id", "period"),
        Index("ix_manifest_periods_licence", "licence_id", "period_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    licence_id: Mapped[int] = mapped_column(ForeignKey("licences.id", ondelete="RESTRICT"))
    period: Mapped[str] = mapped_column(String(10))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    as_of: Mapped[date] = mapped_column(Date)
    records: Mapped[list[dict]] = mapped_column(JSON, default=list)
    removed: Mapped[list[dict]] = mapped_column(JSON, default=list)
    frozen_by: Mapped[str] = mapped_column(String(20))  # "payout" or "request"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FundRun(Base):
    """One split of a contributor fund for a period, with its shares."""

    __tablename__ = "fund_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(10), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    total_weight: Mapped[int] = mapped_column(Integer)
    remainder_minor: Mapped[int] = mapped_column(BigInteger)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    shares: Mapped[list[FundShare]] = relationship(
        back_populates="run",
        cascade="all, delete-orphan",
        lazy="raise",
        order_by="FundShare.creator_id",
    )


class FundShare(Base):
    __tablename__ = "fund_shares"

    run_id: Mapped[int] = mapped_column(
        ForeignKey("fund_runs.id", ondelete="CASCADE"), primary_key=True
    )
    creator_id: Mapped[int] = mapped_column(
        ForeignKey("creators.id", ondelete="RESTRICT"), primary_key=True
    )
    works_used: Mapped[int] = mapped_column(Integer)
    licences_earned: Mapped[int] = mapped_column(Integer)
    share_minor: Mapped[int] = mapped_column(BigInteger)
    got_remainder: Mapped[bool] = mapped_column(Boolean, default=False)

    run: Mapped[FundRun] = relationship(back_populates="shares")
    creator: Mapped[Creator] = relationship(lazy="raise")


class ReceiptKey(Base):
    """The key that signs consent receipts when `CRM_RECEIPT_KEY` is not set (made on first
    use). The private JWK is never logged nor shown; only its public half is published."""

    __tablename__ = "receipt_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    algorithm: Mapped[str] = mapped_column(String(10))
    private_jwk: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ConsentReceipt(Base):
    """The signed receipt (compact JWS) of one consent change: `create` or `revoke`."""

    __tablename__ = "consent_receipts"
    __table_args__ = (Index("ix_consent_receipts_consent", "consent_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    receipt_id: Mapped[str] = mapped_column(String(36), unique=True)
    consent_id: Mapped[int] = mapped_column(ForeignKey("consents.id", ondelete="RESTRICT"))
    event: Mapped[str] = mapped_column(String(10))
    jws: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RegistryChange(Base):
    """One entry of the change feed (`consent.changed`, `work.added`, `work.removed`,
    `rights.changed`); the
    id orders the feed and is its cursor. No foreign keys: a removed work stays named."""

    __tablename__ = "registry_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    event: Mapped[str] = mapped_column(String(30))
    work_id: Mapped[int | None] = mapped_column(Integer)
    creator_id: Mapped[int | None] = mapped_column(Integer)
    consent_id: Mapped[int | None] = mapped_column(Integer)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SiteSignal(Base):
    """What a creator's own site says about a use (robots.txt AI crawlers, tdmrep.json, the
    tdm-reservation header or meta tag, ai.txt), from the last scan, with its evidence."""

    __tablename__ = "site_signals"
    __table_args__ = (Index("ix_site_signals_creator", "creator_id", "use"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    creator_id: Mapped[int] = mapped_column(ForeignKey("creators.id", ondelete="CASCADE"))
    site: Mapped[str] = mapped_column(String(2000))
    source: Mapped[str] = mapped_column(String(20))
    use: Mapped[str] = mapped_column(String(30))
    decision: Mapped[str] = mapped_column(String(20))
    evidence: Mapped[str] = mapped_column(Text, default="")
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # What was read: its address and the SHA-256 of the bytes (the evidence's proof).
    url: Mapped[str] = mapped_column(String(2000), default="", server_default="")
    sha256: Mapped[str] = mapped_column(String(64), default="", server_default="")
    # Set for a C2PA manifest read from one of the creator's works.
    work_id: Mapped[int | None] = mapped_column(
        ForeignKey("works.id", ondelete="CASCADE", name="fk_site_signals_work")
    )


CONFLICT_RESOLUTIONS = ("consent_kept", "consent_revoked")


class ConflictResolution(Base):
    """How legal settled one conflict between a creator's own signal and our consent.
    `key` names the conflict (creator, work, site, source, use and the consent record it
    was against), so a later scan finding the same signal leaves it settled, and a new
    consent record opens it again."""

    __tablename__ = "consent_conflict_resolutions"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    creator_id: Mapped[int] = mapped_column(ForeignKey("creators.id", ondelete="CASCADE"))
    work_id: Mapped[int | None] = mapped_column(Integer)
    site: Mapped[str] = mapped_column(String(2000))
    source: Mapped[str] = mapped_column(String(20))
    use: Mapped[str] = mapped_column(String(30))
    consent_id: Mapped[int | None] = mapped_column(Integer)
    resolution: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    resolved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
