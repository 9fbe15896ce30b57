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
down_revision = "a16stats0001"
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
# A stored generated column, not an index on the expression: a row the index does not pick
# (a scan in the list's order, say) is then checked without building its tsvector again.
PG_CREATE = (
    "ALTER TABLE brist ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
    "(array_to_tsvector(string_to_array(search_stems, ' '))) STORED",
    "CREATE INDEX ix_brist_search_vector ON brist USING gin (search_vector)",
    "ANALYZE brist",
)
PG_DROP = (
    "DROP INDEX IF EXISTS ix_brist_search_vector",
    "ALTER TABLE brist DROP COLUMN IF EXISTS search_vector",
)


def backfill(connection: sa.Connection) -> None:
    """Write every brist's stems, a batch of rows at a time in id order."""
    last = 0
    while True:
        rows = connection.execute(
            sa.text(
                "SELECT id, nummer, titel, beskrivning FROM brist WHERE id > :last "
                "ORDER BY id LIMIT :batch"
            ),
            {"last": last, "batch": BATCH},
        ).all()
        if not rows:
            return
        ids = [row.id for row in rows]
        stems = [search_stems(*row[1:]) for row in rows]
        if connection.dialect.name == "postgresql":
            # One statement a batch: row by row costs a round trip each.
            connection.execute(
                sa.text(
                    "UPDATE brist SET search_stems = data.stems FROM unnest("
                    "CAST(:ids AS integer[]), CAST(:stems AS text[])) AS data(id, stems) "
                    "WHERE brist.id = data.id"
                ),
                {"ids": ids, "stems": stems},
            )
        else:
            connection.execute(
                sa.text("UPDATE brist SET search_stems = :stems WHERE id = :id"),
                [{"id": i, "stems": s} for i, s in zip(ids, stems, strict=True)],
            )
        last = ids[-1]


def upgrade():
    op.add_column(
        "brist", sa.Column("search_stems", sa.Text(), server_default="", nullable=False)
    )
    connection = op.get_bind()
    backfill(connection)
    if connection.dialect.name == "postgresql":
        for statement in PG_CREATE:
            op.execute(statement)
    else:
        for statement in SQLITE_CREATE:
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for statement in PG_DROP:
            op.execute(statement)
    else:
        for statement in SQLITE_DROP:
            op.execute(statement)
    # In place (SQLite 3.35 and later): a batch copy of brist cannot replace it while other
    # tables point at it with foreign keys on.
    op.drop_column("brist", "search_stems")
