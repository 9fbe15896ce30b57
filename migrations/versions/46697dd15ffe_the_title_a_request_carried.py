"""The title a request carried (requests sent before keep an empty one)

Revision ID: 46697dd15ffe
Revises: 7215fac74f3b
Create Date: 2026-12-01 12:27:53.009108

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '46697dd15ffe'
down_revision = '7215fac74f3b'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('kontakt', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sent_titel', sa.String(length=200), nullable=False, server_default=''))



def downgrade():
    with op.batch_alter_table('kontakt', schema=None) as batch_op:
        batch_op.drop_column('sent_titel')

