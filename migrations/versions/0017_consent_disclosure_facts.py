"""webhook secret rotation and attempt log, signal evidence and conflict resolutions,
revision facts for the French rules

Revision ID: 0017
Revises: 0014
Create Date: 2026-12-02 01:00:00

`webhooks` keep the secret they replaced (`previous_secret`, accepted until
`previous_secret_until`); `webhook_attempts` logs every attempt of a delivery (status code,
duration, error). `site_signals` carry what was read (`url`, `sha256`) and, for a C2PA
manifest, the `work_id`; `consent_conflict_resolutions` records how legal settled a
conflict between a creator's signal and our consent. Revisions take `images_retouched` and
`shows_person_body` (the French "Images retouchées" and "Images virtuelles" rules).
"""

from alembic import op
import sqlalchemy as sa
import crm.db


revision = '0017'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('webhooks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('previous_secret', sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column('previous_secret_until', crm.db.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(sa.Column('secret_rotated_at', crm.db.UTCDateTime(), nullable=True))
    op.create_table(
        'webhook_attempts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('delivery_id', sa.Integer(), nullable=False),
        sa.Column('webhook_id', sa.Integer(), nullable=False),
        sa.Column('attempt', sa.Integer(), nullable=False),
        sa.Column('started_at', crm.db.UTCDateTime(), nullable=False),
        sa.Column('duration_ms', sa.Integer(), nullable=False),
        sa.Column('status_code', sa.Integer(), nullable=True),
        sa.Column('error', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['delivery_id'], ['webhook_deliveries.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['webhook_id'], ['webhooks.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_webhook_attempts_webhook', 'webhook_attempts', ['webhook_id', 'id'])
    op.create_index('ix_webhook_attempts_delivery', 'webhook_attempts', ['delivery_id'])
    with op.batch_alter_table('site_signals', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('url', sa.String(length=2000), nullable=False, server_default='')
        )
        batch_op.add_column(
            sa.Column('sha256', sa.String(length=64), nullable=False, server_default='')
        )
        batch_op.add_column(sa.Column('work_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            'fk_site_signals_work', 'works', ['work_id'], ['id'], ondelete='CASCADE'
        )
    op.create_table(
        'consent_conflict_resolutions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('creator_id', sa.Integer(), nullable=False),
        sa.Column('work_id', sa.Integer(), nullable=True),
        sa.Column('site', sa.String(length=2000), nullable=False),
        sa.Column('source', sa.String(length=20), nullable=False),
        sa.Column('use', sa.String(length=30), nullable=False),
        sa.Column('consent_id', sa.Integer(), nullable=True),
        sa.Column('resolution', sa.String(length=20), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('resolved_by_id', sa.Integer(), nullable=True),
        sa.Column('resolved_at', crm.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['creator_id'], ['creators.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('key'),
    )
    with op.batch_alter_table('revisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('images_retouched', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('shows_person_body', sa.Boolean(), nullable=True))


def downgrade():
    with op.batch_alter_table('revisions', schema=None) as batch_op:
        batch_op.drop_column('shows_person_body')
        batch_op.drop_column('images_retouched')
    op.drop_table('consent_conflict_resolutions')
    with op.batch_alter_table('site_signals', schema=None) as batch_op:
        batch_op.drop_constraint('fk_site_signals_work', type_='foreignkey')
        batch_op.drop_column('work_id')
        batch_op.drop_column('sha256')
        batch_op.drop_column('url')
    op.drop_index('ix_webhook_attempts_delivery', table_name='webhook_attempts')
    op.drop_index('ix_webhook_attempts_webhook', table_name='webhook_attempts')
    op.drop_table('webhook_attempts')
    with op.batch_alter_table('webhooks', schema=None) as batch_op:
        batch_op.drop_column('secret_rotated_at')
        batch_op.drop_column('previous_secret_until')
        batch_op.drop_column('previous_secret')
