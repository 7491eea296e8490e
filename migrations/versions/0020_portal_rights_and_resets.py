"""portal: re-signature after changed terms, rights and releases, password resets

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02 05:00:00

`ndas.signed_terms_sha256` keeps the SHA-256 of the terms the latest signature agreed to, so
R1 stops honouring a signed NDA whose terms were edited since; NDAs signed before this
revision take it from their latest portal signature, or else from their terms as they stand.
`works.relicense_allowed` may be empty (for client work: nobody knows yet whether the contract
allows re-licensing). `releases.source` is `creator_request` for a release recorded by the
creator in the portal. Portal links may also be password resets.
"""

import hashlib

from alembic import op
import sqlalchemy as sa


revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("ndas", schema=None) as batch_op:
        batch_op.add_column(sa.Column("signed_terms_sha256", sa.String(length=64), nullable=True))
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
        bind.execute(
            ndas.update().where(ndas.c.id == nda_id).values(signed_terms_sha256=digest)
        )
    with op.batch_alter_table("works", schema=None) as batch_op:
        batch_op.alter_column("relicense_allowed", existing_type=sa.Boolean(), nullable=True)
    with op.batch_alter_table("releases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source", sa.String(length=30), nullable=True))
    with op.batch_alter_table("portal_links", schema=None) as batch_op:
        batch_op.drop_constraint("ck_portal_links_purpose", type_="check")
        batch_op.create_check_constraint(
            op.f("ck_portal_links_purpose"), "purpose IN ('invite', 'login', 'reset')"
        )


def downgrade():
    op.execute("DELETE FROM portal_links WHERE purpose = 'reset'")
    with op.batch_alter_table("portal_links", schema=None) as batch_op:
        batch_op.drop_constraint("ck_portal_links_purpose", type_="check")
        batch_op.create_check_constraint(
            op.f("ck_portal_links_purpose"), "purpose IN ('invite', 'login')"
        )
    with op.batch_alter_table("releases", schema=None) as batch_op:
        batch_op.drop_column("source")
    op.execute("UPDATE works SET relicense_allowed = false WHERE relicense_allowed IS NULL")
    with op.batch_alter_table("works", schema=None) as batch_op:
        batch_op.alter_column("relicense_allowed", existing_type=sa.Boolean(), nullable=False)
    with op.batch_alter_table("ndas", schema=None) as batch_op:
        batch_op.drop_column("signed_terms_sha256")
