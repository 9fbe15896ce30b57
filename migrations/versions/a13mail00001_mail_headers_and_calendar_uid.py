"""Mail that real clients accept: the verksamhet's mailbox, From's name and Reply-To per
message, a calendar UID per meeting that no other installation makes, a meeting called off.

Revision ID: a13mail00001
Revises: a12measure01
Create Date: 2026-12-01 17:55:40.635802

"""

import uuid

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a13mail00001"
down_revision = "a12measure01"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("mote", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ics_uid", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True))
    # Existing meetings get their UUID now; calendars that hold the old "mote-<id>@systemfel"
    # see a new event once (the old UID was never unique across installations).
    connection = op.get_bind()
    ids = connection.scalars(sa.text("SELECT id FROM mote")).all()
    for mote_id in ids:
        connection.execute(
            sa.text("UPDATE mote SET ics_uid = :uid WHERE id = :id"),
            {"uid": f"{uuid.uuid4()}@systemfel", "id": mote_id},
        )
    # A unique index, not a constraint, and no NOT NULL added afterwards: on SQLite either would
    # copy the table, and a table the agenda items point at cannot be replaced with foreign keys
    # on (the downgrade drops the index and the column in place). The app always sets it.
    op.create_index("uq_mote_ics_uid", "mote", ["ics_uid"], unique=True)

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("sender_name", sa.String(length=300), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("reply_to", sa.String(length=320), server_default="", nullable=False)
        )

    with op.batch_alter_table("verksamhet", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("epost", sa.String(length=320), server_default="", nullable=False)
        )


def downgrade():
    # In place (SQLite 3.35 and later), never a batch copy: see the note in upgrade().
    op.drop_column("verksamhet", "epost")
    op.drop_column("outbox", "reply_to")
    op.drop_column("outbox", "sender_name")
    op.drop_index("uq_mote_ics_uid", table_name="mote")
    op.drop_column("mote", "ics_uid")
    op.drop_column("mote", "cancelled_at")
