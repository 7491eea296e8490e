"""portal: re-signature after changed terms, rights and releases, password resets

Revision ID: 0020
Revises: 0024
Create Date: 2026-12-02 05:00:00

`ndas.signed_terms_sha256` keeps the SHA-256 of the terms the latest signature agreed to, so
R1 stops honouring a signed NDA whose terms were edited since; NDAs signed before this
revision take it from their latest portal signature, or else from their terms as they stand.
`works.relicense_known` is false for client work when nobody knows yet whether the contract
allows re-licensing. `releases.source` is `creator_request` for a release recorded by the
creator in the portal. Portal links may also be password resets.
"""

import hashlib

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade():
    # Columns are only added to works, ndas and releases (ALTER TABLE ADD COLUMN): on SQLite
    # rebuilding a table would drop the rows of the tables whose foreign keys cascade from it.
    op.add_column("ndas", sa.Column("signed_terms_sha256", sa.String(length=64), nullable=True))
    bind = op.get_bind()
    ndas = sa.table(
        "ndas",
        sa.column("id", sa.Integer),
        sa.column("status", sa.String),
        sa.column("terms", sa.Text),
        sa.column("signed_terms_sha256", sa.String),
    )
    signatures = sa.table(
        "nda_signatures",
        sa.column("id", sa.Integer),
        sa.column("nda_id", sa.Integer),
        sa.column("signed_at", sa.DateTime),
        sa.column("terms_sha256", sa.String),
    )
    latest = {}
    for nda_id, digest in bind.execute(
        sa.select(signatures.c.nda_id, signatures.c.terms_sha256).order_by(
            signatures.c.signed_at, signatures.c.id
        )
    ):
        latest[nda_id] = digest
    rows = bind.execute(
        sa.select(ndas.c.id, ndas.c.terms).where(
            ndas.c.status.in_(("signed", "expired", "terminated"))
        )
    ).all()
    for nda_id, terms in rows:
        digest = latest.get(nda_id) or hashlib.sha256((terms or "").encode()).hexdigest()
        bind.execute(ndas.update().where(ndas.c.id == nda_id).values(signed_terms_sha256=digest))
    op.add_column(
        "works",
        sa.Column("relicense_known", sa.Boolean(), nullable=False, server_default=sa.true()),
    )
    op.add_column("releases", sa.Column("source", sa.String(length=30), nullable=True))
    with op.batch_alter_table("portal_links", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_portal_links_purpose"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_portal_links_purpose"), "purpose IN ('invite', 'login', 'reset')"
        )


def _drop_column(table, column):
    if op.get_bind().dialect.name == "sqlite":  # natively, without rebuilding the table
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    else:
        op.drop_column(table, column)


def downgrade():
    op.execute("DELETE FROM portal_links WHERE purpose = 'reset'")
    with op.batch_alter_table("portal_links", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_portal_links_purpose"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_portal_links_purpose"), "purpose IN ('invite', 'login')"
        )
    _drop_column("releases", "source")
    _drop_column("works", "relicense_known")
    _drop_column("ndas", "signed_terms_sha256")
