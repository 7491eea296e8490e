"""disclosure rules per jurisdiction, AI labels, audience countries

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 10:00:00

Revisions get `ai_label`, submissions `audience_countries`, check rows the `jurisdiction`,
`remedy` and `source` of the rule set that raised them. The disclosure markers move from
`approval_settings` into the new `disclosure_rule_sets` table: an installation whose
admins had changed the old marker lists keeps them as the US rule set's lists; one with the
old defaults gets the new default rule sets.
"""

from alembic import op
import sqlalchemy as sa
import crm.db


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

# The marker lists shipped before rule sets existed (crm/approvals/checks.py at 0009).
OLD_MARKERS = [
    "#ad", "#sponsored", "#paid", "paid partnership", "ad:", "#advertisement",
    "#paidpartnership", "sponsored by", "advertisement:",
]
OLD_VAGUE = ["#spon", "#sp", "#collab", "#ambassador", "#partner"]


def upgrade() -> None:
    op.create_table('disclosure_rule_sets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=2), nullable=False),
    sa.Column('document', sa.JSON(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', crm.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by'], ['users.id'], name=op.f('fk_disclosure_rule_sets_updated_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disclosure_rule_sets')),
    sa.UniqueConstraint('code', name=op.f('uq_disclosure_rule_sets_code'))
    )
    with op.batch_alter_table('revisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ai_label', sa.Boolean(), nullable=True))
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('audience_countries', sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.alter_column('audience_countries', server_default=None)
    with op.batch_alter_table('revision_checks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('jurisdiction', sa.String(length=2), nullable=True))
        batch_op.add_column(sa.Column('remedy', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('source', sa.Text(), nullable=True))

    _move_markers_to_rule_sets()
    with op.batch_alter_table('approval_settings', schema=None) as batch_op:
        batch_op.drop_column('vague_tags')
        batch_op.drop_column('disclosure_markers')


def _move_markers_to_rule_sets() -> None:
    bind = op.get_bind()
    settings = sa.table(
        'approval_settings',
        sa.column('id', sa.Integer),
        sa.column('disclosure_markers', sa.JSON),
        sa.column('vague_tags', sa.JSON),
        sa.column('updated_at', crm.db.UTCDateTime(timezone=True)),
        sa.column('updated_by', sa.Integer),
    )
    row = bind.execute(sa.select(settings).where(settings.c.id == 1)).first()
    if row is None:
        return
    markers, vague = list(row.disclosure_markers or []), list(row.vague_tags or [])
    if markers == OLD_MARKERS and vague == OLD_VAGUE:
        return
    rule_sets = sa.table(
        'disclosure_rule_sets',
        sa.column('code', sa.String),
        sa.column('document', sa.JSON),
        sa.column('version', sa.Integer),
        sa.column('updated_at', crm.db.UTCDateTime(timezone=True)),
        sa.column('updated_by', sa.Integer),
    )
    bind.execute(
        rule_sets.insert().values(
            code='US',
            document={'markers': markers, 'vague': vague},
            version=1,
            updated_at=row.updated_at,
            updated_by=row.updated_by,
        )
    )


def downgrade() -> None:
    with op.batch_alter_table('approval_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('disclosure_markers', sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
        batch_op.add_column(sa.Column('vague_tags', sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
    bind = op.get_bind()
    rule_sets = sa.table('disclosure_rule_sets', sa.column('code', sa.String), sa.column('document', sa.JSON))
    row = bind.execute(sa.select(rule_sets).where(rule_sets.c.code == 'US')).first()
    document = dict(row.document or {}) if row is not None else {}
    settings = sa.table(
        'approval_settings',
        sa.column('disclosure_markers', sa.JSON),
        sa.column('vague_tags', sa.JSON),
    )
    bind.execute(
        settings.update().values(
            disclosure_markers=document.get('markers', OLD_MARKERS),
            vague_tags=document.get('vague', OLD_VAGUE),
        )
    )
    with op.batch_alter_table('approval_settings', schema=None) as batch_op:
        batch_op.alter_column('disclosure_markers', server_default=None)
        batch_op.alter_column('vague_tags', server_default=None)
    with op.batch_alter_table('revision_checks', schema=None) as batch_op:
        batch_op.drop_column('source')
        batch_op.drop_column('remedy')
        batch_op.drop_column('jurisdiction')
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.drop_column('audience_countries')
    with op.batch_alter_table('revisions', schema=None) as batch_op:
        batch_op.drop_column('ai_label')
    op.drop_table('disclosure_rule_sets')
