"""myndighet sammandrag: one letter per myndighet and period instead of one reminder per request

Revision ID: a14digest001
Revises: a14lift00001
Create Date: 2026-12-01 17:04:11.582120

Every existing myndighet gets weekly letters, the default the issue asks for; an admin sets
"av" on a myndighet that should keep one reminder per request.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a14digest001'
down_revision = 'a14lift00001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('myndighet', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                'sammandrag',
                sa.Enum('av', 'veckovis', 'manadsvis', name='sammandrag', native_enum=False, length=32),
                server_default='veckovis',
                nullable=False,
            )
        )


def downgrade():
    # Plain DROP COLUMN (SQLite 3.35+): a batch copy of a table other tables point at
    # cannot be dropped while foreign keys are on.
    op.drop_column('myndighet', 'sammandrag')
