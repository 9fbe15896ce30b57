"""A meeting's ordförande and sekreterare, chosen among the members and kept as names

Revision ID: a13meet00001
Revises: a13mail00001
Create Date: 2026-12-01 18:17:59.188211

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a13meet00001"
down_revision = "a13mail00001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("mote", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("ordforande_namn", sa.String(length=200), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("sekreterare_namn", sa.String(length=200), server_default="", nullable=False)
        )


def downgrade():
    # In place (SQLite 3.35 and later): a batch copy of mote cannot replace it while the agenda
    # items point at it with foreign keys on.
    op.drop_column("mote", "sekreterare_namn")
    op.drop_column("mote", "ordforande_namn")
