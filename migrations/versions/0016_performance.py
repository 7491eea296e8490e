"""stored audience movers and the creator search index

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 00:50:00

`stored_movers` keeps each account's 7- and 30-day move to a day, written when snapshots
are written (crm/metrics/movers.py); `mover_runs` marks the days computed for every account.
`job_runs` is the scheduler's ledger: one row per (job, fire time), so a run happens once
across two scheduler hosts and a run cut short by a dying leader is run again.
The creator search index (crm/creators/search.py): on SQLite an FTS5 trigram table kept by
triggers, on PostgreSQL pg_trgm GIN indexes (skipped, with a message, without pg_trgm).
"""

from alembic import op
import sqlalchemy as sa
import crm.db


revision = "0016"
down_revision = "0015"
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
    op.create_table(
        "job_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.String(length=100), nullable=False),
        sa.Column("fire_time", crm.db.UTCDateTime(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("started_at", crm.db.UTCDateTime(), nullable=False),
        sa.Column("finished_at", crm.db.UTCDateTime(), nullable=True),
        sa.Column("outcome", sa.String(length=10), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("job_id", "fire_time"),
    )
    op.create_index("ix_job_runs_fire_time", "job_runs", ["fire_time"])
    from crm.creators.search import create_index

    create_index(op.get_bind())


def downgrade():
    from crm.creators.search import drop_index

    drop_index(op.get_bind())
    op.drop_index('ix_job_runs_fire_time', table_name='job_runs')
    op.drop_table('job_runs')
    op.drop_table("mover_runs")
    op.drop_index("ix_stored_movers_account", table_name="stored_movers")
    op.drop_index("ix_stored_movers_percent", table_name="stored_movers")
    op.drop_index("ix_stored_movers_absolute", table_name="stored_movers")
    op.drop_table("stored_movers")
