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


def downgrade():
    op.drop_table("calendar_feeds")
