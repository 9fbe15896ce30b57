"""Privacy redactions: which field of which row, by whom and when (never what)

Revision ID: 7215fac74f3b
Revises: 02adf121b851
Create Date: 2026-12-01 12:13:32.630368

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7215fac74f3b'
down_revision = '02adf121b851'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('privacy_redaction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('table_name', sa.String(length=64), nullable=False),
    sa.Column('row_id', sa.Integer(), nullable=False),
    sa.Column('column_name', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('redacted_by_id', sa.Integer(), nullable=True),
    sa.Column('redacted_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['redacted_by_id'], ['user_account.id'], name=op.f('fk_privacy_redaction_redacted_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_redaction'))
    )


def downgrade():
    op.drop_table('privacy_redaction')
