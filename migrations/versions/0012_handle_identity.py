"""handles compared in NFKC case-folded form; TR39 skeletons for look-alikes

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 22:00:00

`accounts.handle_key` is recomputed as NFKC + casefold (it was `lower()`), and the new
`accounts.handle_skeleton` holds its TR39 skeleton, indexed per platform
(crm/creators/identity.py). Two existing accounts whose new keys collide on one platform
are both kept: the later one keeps its old key, and the clash is logged (warning, logger
`alembic.runtime.migration`) for an editor to resolve. Accounts whose skeletons collide
are kept too; the look-alike check applies only to handles added or changed from now on.

Two new tables: `form_nonces` (one-time form nonces, crm/web/nonces.py) and
`idempotency_keys` (the API's `Idempotency-Key`, crm/api/idempotency.py).
"""

import logging

from alembic import op
import sqlalchemy as sa
import crm.db

from crm.creators.identity import handle_key, handle_skeleton


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")


def upgrade() -> None:
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('handle_skeleton', sa.String(length=400), nullable=False, server_default='')
        )
        batch_op.create_index('ix_accounts_skeleton', ['platform', 'handle_skeleton'], unique=False)

    bind = op.get_bind()
    accounts = sa.table(
        'accounts',
        sa.column('id', sa.Integer),
        sa.column('platform', sa.String),
        sa.column('handle', sa.String),
        sa.column('handle_key', sa.String),
        sa.column('handle_skeleton', sa.String),
    )
    rows = bind.execute(
        sa.select(accounts.c.id, accounts.c.platform, accounts.c.handle, accounts.c.handle_key)
        .order_by(accounts.c.id)
    ).all()
    taken = {(r.platform, r.handle_key): r.id for r in rows}
    for row in rows:
        if row.handle.startswith('erased-') and row.handle == row.handle_key:
            key, skeleton = row.handle_key, row.handle_key
        else:
            key, skeleton = handle_key(row.handle), handle_skeleton(row.handle)
        holder = taken.get((row.platform, key))
        if holder is not None and holder != row.id:
            log.warning(
                "account %s (%s %r) keeps its key %r: its new key %r is held by account %s",
                row.id, row.platform, row.handle, row.handle_key, key, holder,
            )
            key = row.handle_key
        else:
            taken.pop((row.platform, row.handle_key), None)
            taken[(row.platform, key)] = row.id
        values = {'handle_skeleton': skeleton}
        if key != row.handle_key:
            values['handle_key'] = key
        bind.execute(accounts.update().where(accounts.c.id == row.id).values(**values))


    op.create_table('form_nonces',
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('url', sa.String(length=500), nullable=True),
    sa.Column('created_at', crm.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_form_nonces_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('nonce', name=op.f('pk_form_nonces'))
    )
    with op.batch_alter_table('form_nonces', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_form_nonces_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_form_nonces_user_id'), ['user_id'], unique=False)

    op.create_table('idempotency_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('status', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=True),
    sa.Column('content_type', sa.String(length=100), nullable=True),
    sa.Column('location', sa.String(length=500), nullable=True),
    sa.Column('created_at', crm.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_idempotency_keys_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotency_keys')),
    sa.UniqueConstraint('user_id', 'key', name=op.f('uq_idempotency_keys_user_id_key'))
    )
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_idempotency_keys_created_at'), ['created_at'], unique=False)


def downgrade() -> None:
    op.drop_table('idempotency_keys')
    op.drop_table('form_nonces')
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.drop_index('ix_accounts_skeleton')
        batch_op.drop_column('handle_skeleton')
