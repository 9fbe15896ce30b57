"""The report's 6 c measures as the samordnare edits them; 6 a's routine in one line

Revision ID: a12measure01
Revises: a12themes001
Create Date: 2026-12-01 17:29:29.299365

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a12measure01"
down_revision = "a12themes001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("rapport", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("atgarder", sa.JSON(), server_default=sa.text("'{}'"), nullable=False)
        )

    with op.batch_alter_table("verksamhet", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "routines_description", sa.String(length=300), server_default="", nullable=False
            )
        )


def downgrade():
    # Not in a batch: SQLite (3.35 and later) drops a column in place, where a batch would copy
    # the table, and with rows pointing at verksamhet and rapport the copy cannot replace it.
    op.drop_column("verksamhet", "routines_description")
    op.drop_column("rapport", "atgarder")
