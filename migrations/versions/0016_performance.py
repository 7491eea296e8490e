"""stored audience movers and the creator search index

Revision ID: 0016
Revises: 0013
Create Date: 2026-12-02 00:50:00

`stored_movers` keeps each account's 7- and 30-day move to a day, written when snapshots
are written (crm/metrics/movers.py); `mover_runs` marks the days computed for every account.
"""

from alembic import op
import sqlalchemy as sa
import crm.db


revision = "0016"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "stored_movers",
        sa.Column("end_on", sa.Date(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("base_on", sa.Date(), nullable=False),
        sa.Column("base", sa.BigInteger(), nullable=False),
        sa.Column("current_on", sa.Date(), nullable=False),
        sa.Column("current", sa.BigInteger(), nullable=False),
        sa.Column("magnitude", sa.BigInteger(), nullable=False),
        sa.Column("percent_magnitude", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("end_on", "days", "account_id"),
    )
    op.create_index("ix_stored_movers_absolute", "stored_movers", ["end_on", "days", "magnitude"])
    op.create_index(
        "ix_stored_movers_percent", "stored_movers", ["end_on", "days", "percent_magnitude"]
    )
    op.create_index("ix_stored_movers_account", "stored_movers", ["account_id"])
    op.create_table(
        "mover_runs",
        sa.Column("end_on", sa.Date(), nullable=False),
        sa.Column("refreshed_at", crm.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("end_on"),
    )


def downgrade():
    op.drop_table("mover_runs")
    op.drop_index("ix_stored_movers_account", table_name="stored_movers")
    op.drop_index("ix_stored_movers_percent", table_name="stored_movers")
    op.drop_index("ix_stored_movers_absolute", table_name="stored_movers")
    op.drop_table("stored_movers")
