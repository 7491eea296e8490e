"""consent in standard forms: creators' declared sites

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-01 21:50:00

Creators get `sites` (their own web sites, a JSON list of URLs).
"""

from alembic import op
import sqlalchemy as sa
import crm.db


revision = '0013'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('creators', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sites', sa.JSON(), nullable=True))
    op.execute("UPDATE creators SET sites = '[]'")
    with op.batch_alter_table('creators', schema=None) as batch_op:
        batch_op.alter_column('sites', existing_type=sa.JSON(), nullable=False)


def downgrade():
    with op.batch_alter_table('creators', schema=None) as batch_op:
        batch_op.drop_column('sites')
