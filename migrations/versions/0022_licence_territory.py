"""licence territory

Revision ID: 0022
Revises: 0020
Create Date: 2026-12-02 05:00:00

`licences.territory`: where the licensee may use the works, `worldwide` (every licence
recorded before) or ISO 3166 alpha-2 country codes. A work a licence covers needs releases
whose territory covers the licence's.
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("licences", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "territory", sa.String(length=200), server_default="worldwide", nullable=False
            )
        )


def downgrade():
    with op.batch_alter_table("licences", schema=None) as batch_op:
        batch_op.drop_column("territory")
