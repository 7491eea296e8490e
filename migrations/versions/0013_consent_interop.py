"""creators' declared sites, signed consent receipts, the change feed and webhooks

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 21:50:00

Creators get `sites` (their own web sites, a JSON list of URLs). `receipt_keys` holds the
signing key of consent receipts when no key is configured; `consent_receipts` keeps the
signed receipt of every consent change (create, revoke). `registry_changes` is the change
feed for training pipelines (consent changed, work added, work removed); `webhooks` and
`webhook_deliveries` its subscriptions and the outbox of signed deliveries; `site_signals`
what creators' own sites say (robots.txt, tdmrep.json, tdm-reservation, ai.txt).
"""

from alembic import op
import sqlalchemy as sa
import crm.db


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('creators', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sites', sa.JSON(), nullable=True))
    op.execute("UPDATE creators SET sites = '[]'")
    with op.batch_alter_table('creators', schema=None) as batch_op:
        batch_op.alter_column('sites', existing_type=sa.JSON(), nullable=False)
    op.create_table(
        'receipt_keys',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kid', sa.String(length=64), nullable=False),
        sa.Column('algorithm', sa.String(length=10), nullable=False),
        sa.Column('private_jwk', sa.Text(), nullable=False),
        sa.Column('created_at', crm.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('kid'),
    )
    op.create_table(
        'consent_receipts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('receipt_id', sa.String(length=36), nullable=False),
        sa.Column('consent_id', sa.Integer(), nullable=False),
        sa.Column('event', sa.String(length=10), nullable=False),
        sa.Column('jws', sa.Text(), nullable=False),
        sa.Column('created_at', crm.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['consent_id'], ['consents.id'], ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('receipt_id'),
    )
    op.create_index('ix_consent_receipts_consent', 'consent_receipts', ['consent_id', 'id'])
    op.create_table(
        'registry_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event', sa.String(length=30), nullable=False),
        sa.Column('work_id', sa.Integer(), nullable=True),
        sa.Column('creator_id', sa.Integer(), nullable=True),
        sa.Column('consent_id', sa.Integer(), nullable=True),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.Column('created_at', crm.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_table(
        'webhooks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('url', sa.String(length=2000), nullable=False),
        sa.Column('events', sa.JSON(), nullable=False),
        sa.Column('secret', sa.String(length=64), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', crm.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_table(
        'webhook_deliveries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('webhook_id', sa.Integer(), nullable=False),
        sa.Column('event', sa.String(length=40), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', crm.db.UTCDateTime(), nullable=False),
        sa.Column('claimed_at', crm.db.UTCDateTime(), nullable=True),
        sa.Column('last_status', sa.Integer(), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=False),
        sa.Column('sent_at', crm.db.UTCDateTime(), nullable=True),
        sa.Column('created_at', crm.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['webhook_id'], ['webhooks.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_table(
        'site_signals',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('creator_id', sa.Integer(), nullable=False),
        sa.Column('site', sa.String(length=2000), nullable=False),
        sa.Column('source', sa.String(length=20), nullable=False),
        sa.Column('use', sa.String(length=30), nullable=False),
        sa.Column('decision', sa.String(length=20), nullable=False),
        sa.Column('evidence', sa.Text(), nullable=False),
        sa.Column('fetched_at', crm.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['creator_id'], ['creators.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_site_signals_creator', 'site_signals', ['creator_id', 'use'])
    op.create_index(
        'ix_webhook_deliveries_due', 'webhook_deliveries', ['status', 'next_attempt_at']
    )


def downgrade():
    op.drop_index('ix_site_signals_creator', table_name='site_signals')
    op.drop_table('site_signals')
    op.drop_index('ix_webhook_deliveries_due', table_name='webhook_deliveries')
    op.drop_table('webhook_deliveries')
    op.drop_table('webhooks')
    op.drop_table('registry_changes')
    op.drop_index('ix_consent_receipts_consent', table_name='consent_receipts')
    op.drop_table('consent_receipts')
    op.drop_table('receipt_keys')
    with op.batch_alter_table('creators', schema=None) as batch_op:
        batch_op.drop_column('sites')
