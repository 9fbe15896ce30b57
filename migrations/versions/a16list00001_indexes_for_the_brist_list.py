"""Indexes for the brist list's sorts, so a whole-country page is read off an index

Revision ID: a16list00001
Revises: a13meet00001
Create Date: 2026-12-01 19:45:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "a16list00001"
down_revision = "a13meet00001"
branch_labels = None
depends_on = None

# Created in place with CREATE INDEX on both databases (no batch copy of brist, which other
# tables reference). Names and columns as in Brist.__table_args__.
INDEXES = {
    "ix_brist_nummer": ["year", "serial", "id"],
    "ix_brist_status_nummer": ["status", "year", "serial", "id"],
    "ix_brist_niva_nummer": ["niva", "year", "serial", "id"],
    "ix_brist_titel": ["titel", "id"],
    "ix_brist_first_observed_on": ["first_observed_on", "id"],
    "ix_brist_updated_at": ["updated_at", "id"],
}


def upgrade():
    for name, columns in INDEXES.items():
        op.create_index(name, "brist", columns)


def downgrade():
    for name in reversed(INDEXES):
        op.drop_index(name, table_name="brist")
