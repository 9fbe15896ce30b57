"""Outbox per recipient, a sender's lease on a message, and the sender's state

Revision ID: 02adf121b851
Revises: 024c0ca1bb9a
Create Date: 2026-12-01 11:51:33.728717

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '02adf121b851'
down_revision = '024c0ca1bb9a'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('outbox_sender',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('last_run_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('paused_since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('pause_reason', sa.Text(), nullable=False, server_default=''),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_sender'))
    )
    # A message claimed by the old sender is given back: the new one claims with a lease.
    op.execute("UPDATE outbox SET status = 'pending' WHERE status = 'sending'")
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claim_token', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('delivered_to', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('refused', sa.JSON(), nullable=False, server_default='{}'))
        batch_op.add_column(sa.Column('first_failure_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('office_hours_only', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.drop_column('claimed_at')
    # What was sent before went to every recipient.
    op.execute("UPDATE outbox SET delivered_to = to_addresses WHERE status = 'sent'")
    op.execute(
        "UPDATE outbox SET office_hours_only = true "
        "WHERE idempotency_key LIKE 'paminnelse:%' OR idempotency_key LIKE 'digest:%'"
    )


def downgrade():
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_column('office_hours_only')
        batch_op.drop_column('first_failure_at')
        batch_op.drop_column('refused')
        batch_op.drop_column('delivered_to')
        batch_op.drop_column('lease_until')
        batch_op.drop_column('claim_token')
    op.execute("UPDATE outbox SET status = 'failed' WHERE status = 'partly'")
    op.drop_table('outbox_sender')
