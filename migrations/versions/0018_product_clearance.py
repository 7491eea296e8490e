"""product clearance: who may see an unreleased product

Revision ID: 0018
Revises: 0022
Create Date: 2026-12-02 05:00:00

`product_clearances` lists the users an admin cleared for a product while it is unreleased;
`products.legal_cleared` says whether legal is cleared by default (it is, unless an admin
turns it off). Admins are always cleared; on the public date the restriction lifts by itself.
"""

import sqlalchemy as sa
from alembic import op

import crm.db

revision = "0018"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("products") as batch:
        batch.add_column(
            sa.Column("legal_cleared", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
    op.create_table(
        "product_clearances",
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("granted_by", sa.Integer(), nullable=True),
        sa.Column("granted_at", crm.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_product_clearances_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_product_clearances_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["granted_by"],
            ["users.id"],
            name=op.f("fk_product_clearances_granted_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("product_id", "user_id", name=op.f("pk_product_clearances")),
    )
    op.create_index("ix_product_clearances_user", "product_clearances", ["user_id"])


def downgrade():
    op.drop_index("ix_product_clearances_user", table_name="product_clearances")
    op.drop_table("product_clearances")
    with op.batch_alter_table("products") as batch:
        batch.drop_column("legal_cleared")
