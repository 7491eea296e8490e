"""the creator portal: accounts, sessions, links, NDA signatures, portal activity

Revision ID: 0015
Revises: 0021
Create Date: 2026-12-02 00:48:36

Creators get their own principal: `portal_accounts` (not users), `portal_memberships` (the
creators an account acts for: its own, or as a representative), `portal_links` (emailed
invitations and one-time logins, stored as SHA-256), `portal_sessions` (server-side, as the
staff sessions). `nda_signatures` keeps the evidence of a click-signature; `portal_activity`
what a creator did, for the staff timeline. Submissions and revisions made in the portal
carry `by_creator`.
"""

from alembic import op
import sqlalchemy as sa
import crm.db


revision = "0015"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "portal_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("notify_decisions", sa.Boolean(), nullable=False),
        sa.Column("created_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", crm.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_accounts")),
        sa.UniqueConstraint("email", name=op.f("uq_portal_accounts_email")),
    )
    op.create_table(
        "portal_activity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("creator_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("summary", sa.String(length=300), nullable=False),
        sa.Column("entity", sa.String(length=40), nullable=True),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["portal_accounts.id"],
            name=op.f("fk_portal_activity_account_id_portal_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["creator_id"],
            ["creators.id"],
            name=op.f("fk_portal_activity_creator_id_creators"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_activity")),
    )
    with op.batch_alter_table("portal_activity", schema=None) as batch_op:
        batch_op.create_index("ix_portal_activity_creator_at", ["creator_id", "at"], unique=False)

    op.create_table(
        "portal_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("creator_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=10), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", crm.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", crm.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("purpose IN ('invite', 'login')", name=op.f("ck_portal_links_purpose")),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["portal_accounts.id"],
            name=op.f("fk_portal_links_account_id_portal_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_portal_links_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["creator_id"],
            ["creators.id"],
            name=op.f("fk_portal_links_creator_id_creators"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_portal_links_token_hash")),
    )
    with op.batch_alter_table("portal_links", schema=None) as batch_op:
        batch_op.create_index(
            "ix_portal_links_account_purpose", ["account_id", "purpose"], unique=False
        )

    op.create_table(
        "portal_memberships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("creator_id", sa.Integer(), nullable=False),
        sa.Column("relation", sa.String(length=20), nullable=False),
        sa.Column("invited_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", crm.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "relation IN ('creator', 'representative')", name=op.f("ck_portal_memberships_relation")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["portal_accounts.id"],
            name=op.f("fk_portal_memberships_account_id_portal_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["creator_id"],
            ["creators.id"],
            name=op.f("fk_portal_memberships_creator_id_creators"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["invited_by_id"],
            ["users.id"],
            name=op.f("fk_portal_memberships_invited_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_memberships")),
        sa.UniqueConstraint("account_id", "creator_id", name="uq_portal_membership"),
    )
    with op.batch_alter_table("portal_memberships", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_portal_memberships_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_portal_memberships_creator_id"), ["creator_id"], unique=False
        )

    op.create_table(
        "portal_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("creator_id", sa.Integer(), nullable=False),
        sa.Column("created_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("authenticated_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", crm.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("user_agent", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["portal_accounts.id"],
            name=op.f("fk_portal_sessions_account_id_portal_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["creator_id"],
            ["creators.id"],
            name=op.f("fk_portal_sessions_creator_id_creators"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_sessions")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_portal_sessions_key_hash")),
    )
    with op.batch_alter_table("portal_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_portal_sessions_account_id"), ["account_id"], unique=False
        )

    op.create_table(
        "nda_signatures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nda_id", sa.Integer(), nullable=False),
        sa.Column("creator_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("signer_email", sa.String(length=254), nullable=False),
        sa.Column("typed_name", sa.String(length=200), nullable=False),
        sa.Column("signed_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.Column("user_agent", sa.String(length=300), nullable=False),
        sa.Column("terms_sha256", sa.String(length=64), nullable=False),
        sa.Column("document_version", sa.String(length=64), nullable=False),
        sa.Column("document_sha256", sa.String(length=64), nullable=True),
        sa.Column("terms", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["portal_accounts.id"],
            name=op.f("fk_nda_signatures_account_id_portal_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["creator_id"],
            ["creators.id"],
            name=op.f("fk_nda_signatures_creator_id_creators"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["nda_id"], ["ndas.id"], name=op.f("fk_nda_signatures_nda_id_ndas"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nda_signatures")),
    )
    with op.batch_alter_table("nda_signatures", schema=None) as batch_op:
        batch_op.create_index("ix_nda_signatures_nda", ["nda_id", "signed_at"], unique=False)

    with op.batch_alter_table("revisions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("by_creator", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("revisions", schema=None) as batch_op:
        batch_op.alter_column("by_creator", server_default=None)

    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("by_creator", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.alter_column("by_creator", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.drop_column("by_creator")

    with op.batch_alter_table("revisions", schema=None) as batch_op:
        batch_op.drop_column("by_creator")

    with op.batch_alter_table("nda_signatures", schema=None) as batch_op:
        batch_op.drop_index("ix_nda_signatures_nda")

    op.drop_table("nda_signatures")
    with op.batch_alter_table("portal_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_portal_sessions_account_id"))

    op.drop_table("portal_sessions")
    with op.batch_alter_table("portal_memberships", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_portal_memberships_creator_id"))
        batch_op.drop_index(batch_op.f("ix_portal_memberships_account_id"))

    op.drop_table("portal_memberships")
    with op.batch_alter_table("portal_links", schema=None) as batch_op:
        batch_op.drop_index("ix_portal_links_account_purpose")

    op.drop_table("portal_links")
    with op.batch_alter_table("portal_activity", schema=None) as batch_op:
        batch_op.drop_index("ix_portal_activity_creator_at")

    op.drop_table("portal_activity")
    op.drop_table("portal_accounts")
