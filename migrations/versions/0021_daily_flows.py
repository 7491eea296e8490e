"""payment corrections and NDA signing details

Revision ID: 0021
Revises: 0017
Create Date: 2026-12-02 01:10:00

Payments can be voided (kept, with who voided them, when and why; voided payments count in
no total). NDAs record the day they were signed and, when no PDF is stored, that the paper
original is on file.
"""

from alembic import op
import sqlalchemy as sa
import crm.db


revision = "0021"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("voided_at", crm.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("void_reason", sa.String(length=500), nullable=True))
    with op.batch_alter_table("ndas", schema=None) as batch_op:
        batch_op.add_column(sa.Column("signed_on", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("signed_on_paper", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade():
    with op.batch_alter_table("ndas", schema=None) as batch_op:
        batch_op.drop_column("signed_on_paper")
        batch_op.drop_column("signed_on")
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_column("void_reason")
        batch_op.drop_column("voided_at")
