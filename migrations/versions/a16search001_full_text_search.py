"""Full-text search: each brist's Swedish stems, indexed by FTS5 (SQLite) or GIN (PostgreSQL)

Revision ID: a16search001
Revises: a13meet00001
Create Date: 2026-12-01 19:50:00

The stems come from the application's own function (systemfel.brister.domain.search_stems)
so that rows backfilled here are found exactly as rows saved later. The index is built after
the backfill, in one pass, rather than row by row.
"""

import sqlalchemy as sa
from alembic import op

from systemfel.brister.domain import search_stems

# revision identifiers, used by Alembic.
revision = "a16search001"
down_revision = "a13meet00001"
branch_labels = None
depends_on = None

BATCH = 5000

# External content: the FTS5 table holds only the index and reads nothing back from brist.
# The "ascii" tokenizer splits only at ASCII punctuation and spaces, so each stem the
# application wrote (letters and digits, any script) is one term, exactly as on PostgreSQL.
# The verksamhet is indexed too, so that a search within one finds its brister only.
# Prefix indexes of two and three characters keep short beginnings of words fast.
SQLITE_CREATE = (
    "CREATE VIRTUAL TABLE brist_fts USING fts5(search_stems, verksamhet_id, "
    "content='brist', content_rowid='id', tokenize='ascii', prefix='2 3')",
    "CREATE TRIGGER brist_fts_insert AFTER INSERT ON brist BEGIN "
    "INSERT INTO brist_fts(rowid, search_stems, verksamhet_id) "
    "VALUES (new.id, new.search_stems, new.verksamhet_id); END",
    "CREATE TRIGGER brist_fts_delete AFTER DELETE ON brist BEGIN "
    "INSERT INTO brist_fts(brist_fts, rowid, search_stems, verksamhet_id) "
    "VALUES ('delete', old.id, old.search_stems, old.verksamhet_id); END",
    "CREATE TRIGGER brist_fts_update AFTER UPDATE OF search_stems, verksamhet_id ON brist BEGIN "
    "INSERT INTO brist_fts(brist_fts, rowid, search_stems, verksamhet_id) "
    "VALUES ('delete', old.id, old.search_stems, old.verksamhet_id); "
    "INSERT INTO brist_fts(rowid, search_stems, verksamhet_id) "
    "VALUES (new.id, new.search_stems, new.verksamhet_id); END",
    "INSERT INTO brist_fts(brist_fts) VALUES ('rebuild')",
)
SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS brist_fts_update",
    "DROP TRIGGER IF EXISTS brist_fts_delete",
    "DROP TRIGGER IF EXISTS brist_fts_insert",
    "DROP TABLE IF EXISTS brist_fts",
)
# The stems as lexemes exactly as stored: no parser or dictionary of PostgreSQL's in between.
PG_CREATE = (
    "CREATE INDEX ix_brist_search_stems ON brist "
    "USING gin (array_to_tsvector(string_to_array(search_stems, ' ')))"
)


def backfill(connection: sa.Connection) -> None:
    """Write every brist's stems, a batch of rows at a time in id order."""
    brist = sa.table(
        "brist",
        sa.column("id", sa.Integer),
        sa.column("nummer", sa.String),
        sa.column("titel", sa.String),
        sa.column("beskrivning", sa.Text),
        sa.column("search_stems", sa.Text),
    )
    update = (
        sa.update(brist)
        .where(brist.c.id == sa.bindparam("row_id"))
        .values(search_stems=sa.bindparam("stems"))
    )
    last = 0
    while True:
        rows = connection.execute(
            sa.select(brist.c.id, brist.c.nummer, brist.c.titel, brist.c.beskrivning)
            .where(brist.c.id > last)
            .order_by(brist.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        connection.execute(
            update,
            [{"row_id": row.id, "stems": search_stems(*row[1:])} for row in rows],
        )
        last = rows[-1].id


def upgrade():
    op.add_column(
        "brist", sa.Column("search_stems", sa.Text(), server_default="", nullable=False)
    )
    connection = op.get_bind()
    backfill(connection)
    if connection.dialect.name == "postgresql":
        op.execute(PG_CREATE)
    else:
        for statement in SQLITE_CREATE:
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_brist_search_stems")
    else:
        for statement in SQLITE_DROP:
            op.execute(statement)
    # In place (SQLite 3.35 and later): a batch copy of brist cannot replace it while other
    # tables point at it with foreign keys on.
    op.drop_column("brist", "search_stems")
