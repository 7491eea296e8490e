"""rights and releases of works, training metadata and frozen dataset manifests

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 00:55:00

Works get their rights (`rights`, `rights_evidence`, `relicense_allowed`, `co_holders`,
`client_name`), what they show (`people_present`, `people_count`, `property_present`) and
training metadata (`language`, `duration_s`, `width`, `height`, `description`, and free tags
in `work_tags`). Works registered before this revision get `rights = 'unknown'`: nobody has
said who holds them, so they leave the licensable set until someone does (bulk by kind on
the creator's works page). `releases` are model and property releases, attached to works
through `release_works`; `manifest_periods` keeps each licence's dataset manifest as frozen
for a period.
"""

from alembic import op
import sqlalchemy as sa
import crm.db


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('works', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rights', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('rights_evidence', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('relicense_allowed', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('co_holders', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('client_name', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('people_present', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('people_count', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('property_present', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('language', sa.String(length=35), nullable=True))
        batch_op.add_column(sa.Column('duration_s', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('width', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('height', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('description', sa.Text(), nullable=True))
    op.execute(
        "UPDATE works SET rights = 'unknown', rights_evidence = '', relicense_allowed = false, "
        "co_holders = '[]', people_present = false, property_present = false, description = ''"
    )
    with op.batch_alter_table('works', schema=None) as batch_op:
        batch_op.alter_column('rights', existing_type=sa.String(length=10), nullable=False)
        batch_op.alter_column('rights_evidence', existing_type=sa.Text(), nullable=False)
        batch_op.alter_column('relicense_allowed', existing_type=sa.Boolean(), nullable=False)
        batch_op.alter_column('co_holders', existing_type=sa.JSON(), nullable=False)
        batch_op.alter_column('people_present', existing_type=sa.Boolean(), nullable=False)
        batch_op.alter_column('property_present', existing_type=sa.Boolean(), nullable=False)
        batch_op.alter_column('description', existing_type=sa.Text(), nullable=False)
    op.create_table(
        'work_tags',
        sa.Column('work_id', sa.Integer(), nullable=False),
        sa.Column('tag', sa.String(length=60), nullable=False),
        sa.ForeignKeyConstraint(['work_id'], ['works.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('work_id', 'tag'),
    )
    op.create_index('ix_work_tags_tag', 'work_tags', ['tag', 'work_id'])
    op.create_table(
        'releases',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('creator_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('subject', sa.String(length=300), nullable=False),
        sa.Column('uses', sa.JSON(), nullable=False),
        sa.Column('media', sa.JSON(), nullable=False),
        sa.Column('territory', sa.String(length=200), nullable=False),
        sa.Column('signed_on', sa.Date(), nullable=True),
        sa.Column('expires_on', sa.Date(), nullable=True),
        sa.Column('revoked_on', sa.Date(), nullable=True),
        sa.Column('document_name', sa.String(length=255), nullable=True),
        sa.Column('document_path', sa.String(length=255), nullable=True),
        sa.Column('document_sha256', sa.String(length=64), nullable=True),
        sa.Column('document_size', sa.Integer(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', crm.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['creator_id'], ['creators.id'], ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_releases_creator', 'releases', ['creator_id', 'id'])
    op.create_table(
        'release_works',
        sa.Column('release_id', sa.Integer(), nullable=False),
        sa.Column('work_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['release_id'], ['releases.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['work_id'], ['works.id'], ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('release_id', 'work_id'),
    )
    op.create_index('ix_release_works_work', 'release_works', ['work_id'])
    op.create_table(
        'manifest_periods',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('licence_id', sa.Integer(), nullable=False),
        sa.Column('period', sa.String(length=10), nullable=False),
        sa.Column('period_start', sa.Date(), nullable=False),
        sa.Column('period_end', sa.Date(), nullable=False),
        sa.Column('as_of', sa.Date(), nullable=False),
        sa.Column('records', sa.JSON(), nullable=False),
        sa.Column('removed', sa.JSON(), nullable=False),
        sa.Column('frozen_by', sa.String(length=20), nullable=False),
        sa.Column('created_at', crm.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['licence_id'], ['licences.id'], ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('licence_id', 'period'),
    )
    op.create_index(
        'ix_manifest_periods_licence', 'manifest_periods', ['licence_id', 'period_start']
    )


def downgrade():
    op.drop_index('ix_manifest_periods_licence', table_name='manifest_periods')
    op.drop_table('manifest_periods')
    op.drop_index('ix_release_works_work', table_name='release_works')
    op.drop_table('release_works')
    op.drop_index('ix_releases_creator', table_name='releases')
    op.drop_table('releases')
    op.drop_index('ix_work_tags_tag', table_name='work_tags')
    op.drop_table('work_tags')
    with op.batch_alter_table('works', schema=None) as batch_op:
        for name in (
            'description', 'height', 'width', 'duration_s', 'language', 'property_present',
            'people_count', 'people_present', 'client_name', 'co_holders', 'relicense_allowed',
            'rights_evidence', 'rights',
        ):
            batch_op.drop_column(name)
