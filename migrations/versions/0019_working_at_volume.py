"""working at volume: the calendar feed's secret, bulk jobs

Revision ID: 0019
Revises: 0013
Create Date: 2026-12-02 01:00:00

`calendar_feeds` keeps the version of each user's calendar feed URL (the URL is an HMAC of
the user id and version; resetting it raises the version). `bulk_jobs` holds large bulk
actions on creators, run in the background with their progress and per-record outcome.
"""

from alembic import op
import sqlalchemy as sa
import crm.db


revision = "0019"
down_revision = "0013"
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


def downgrade():
    with op.batch_alter_table("bulk_jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_bulk_jobs_status")
    op.drop_table("bulk_jobs")
    op.drop_table("calendar_feeds")
