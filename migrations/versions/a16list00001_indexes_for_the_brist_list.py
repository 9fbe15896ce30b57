"""Indexes for the brist list's sorts, so a whole-country page is read off an index

Revision ID: a16list00001
Revises: a13meet00001
Create Date: 2026-12-01 19:45:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "a16list00001"
down_revision = "a16search001"
branch_labels = None
depends_on = None

# Created in place with CREATE INDEX on both databases (no batch copy of brist, which other
# tables reference). Names and columns as in Brist.__table_args__: a sort's columns, then the
# common filters, so a filtered page and its count need no lookup of the (wide) row.
FILTERS = ["status", "niva", "year", "verksamhet_id"]
INDEXES = {
    "ix_brist_nummer": ["year", "serial", "id", "status", "niva", "verksamhet_id"],
    "ix_brist_status_nummer": ["status", "year", "serial", "id", "niva", "verksamhet_id"],
    "ix_brist_niva_nummer": ["niva", "year", "serial", "id", "status", "verksamhet_id"],
    "ix_brist_titel": ["titel", "id", *FILTERS],
    "ix_brist_first_observed_on": ["first_observed_on", "id", *FILTERS],
    "ix_brist_updated_at": ["updated_at", "id", *FILTERS],
}


def upgrade():
    for name, columns in INDEXES.items():
        op.create_index(name, "brist", columns)
    # The myndighet filter's other half: the brister that also concern a myndighet.
    op.create_index("ix_brist_myndighet_myndighet_id", "brist_myndighet", ["myndighet_id"])
    # Statistics for the planner. SQLite has none until ANALYZE runs, and without them it
    # prefers an index on a filter's column (niva = 'lokal') to the sort's index and then
    # sorts a third of the country; with them it walks the sort's index (measured with
    # benchmarks/list_plans.py). PostgreSQL's autovacuum would get there; this is at once.
    op.execute("ANALYZE brist")
    op.execute("ANALYZE brist_myndighet")


def downgrade():
    op.drop_index("ix_brist_myndighet_myndighet_id", table_name="brist_myndighet")
    for name in reversed(INDEXES):
        op.drop_index(name, table_name="brist")
