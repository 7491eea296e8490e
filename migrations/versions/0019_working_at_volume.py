"""working at volume: the calendar feed's secret, bulk jobs, chat notifications, custom fields

Revision ID: 0019
Revises: 0016
Create Date: 2026-12-02 01:00:00

`calendar_feeds` keeps the version of each user's calendar feed URL (the URL is an HMAC of
the user id and version; resetting it raises the version). `bulk_jobs` holds large bulk
actions on creators, run in the background with their progress and per-record outcome.
`chat_channels` are incoming-webhook URLs per event kind and `chat_messages` their outbox.
`custom_fields` holds admin-defined fields of creators and deals; both record tables get a
`custom_fields` JSON object of values by key.
"""

from alembic import op
import sqlalchemy as sa
import crm.db


revision = "0019"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "calendar_feeds",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("reset_at", crm.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_table(
        "bulk_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("ids", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("processed", sa.Integer(), nullable=False),
        sa.Column("done", sa.JSON(), nullable=False),
        sa.Column("refused", sa.JSON(), nullable=False),
        sa.Column("created_at", crm.db.UTCDateTime(), nullable=False),
        sa.Column("started_at", crm.db.UTCDateTime(), nullable=True),
        sa.Column("finished_at", crm.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("bulk_jobs", schema=None) as batch_op:
        batch_op.create_index("ix_bulk_jobs_status", ["status", "id"], unique=False)


    op.create_table(
        "chat_channels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("event", sa.String(length=30), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("cleared", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", crm.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("chat_channels", schema=None) as batch_op:
        batch_op.create_index("ix_chat_channels_event", ["event"], unique=False)
    op.create_table(
        "chat_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", crm.db.UTCDateTime(), nullable=False),
        sa.Column("claimed_at", crm.db.UTCDateTime(), nullable=True),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(length=600), nullable=False),
        sa.Column("sent_at", crm.db.UTCDateTime(), nullable=True),
        sa.Column("created_at", crm.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["channel_id"], ["chat_channels.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("channel_id", "key"),
    )
    with op.batch_alter_table("chat_messages", schema=None) as batch_op:
        batch_op.create_index("ix_chat_messages_due", ["status", "next_attempt_at"], unique=False)
    op.create_table(
        "custom_fields",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(length=10), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("type", sa.String(length=10), nullable=False),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("created_at", crm.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("entity", "key"),
    )
    with op.batch_alter_table("creators", schema=None) as batch_op:
        batch_op.add_column(sa.Column("custom_fields", sa.JSON(), nullable=True))
    with op.batch_alter_table("deals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("custom_fields", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("deals", schema=None) as batch_op:
        batch_op.drop_column("custom_fields")
    with op.batch_alter_table("creators", schema=None) as batch_op:
        batch_op.drop_column("custom_fields")
    op.drop_table("custom_fields")
    with op.batch_alter_table("chat_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_chat_messages_due")
    op.drop_table("chat_messages")
    with op.batch_alter_table("chat_channels", schema=None) as batch_op:
        batch_op.drop_index("ix_chat_channels_event")
    op.drop_table("chat_channels")
    with op.batch_alter_table("bulk_jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_bulk_jobs_status")
    op.drop_table("bulk_jobs")
    op.drop_table("calendar_feeds")
