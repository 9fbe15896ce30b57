"""Free-text search in brister: the index's condition on SQLite (FTS5) and PostgreSQL (GIN).

Both databases index the same thing, `Brist.search_stems`: the Swedish stems of the number,
title and description (`domain.search_stems`), written by the services. SQLite keeps the
FTS5 table `brist_fts` in step with triggers; PostgreSQL indexes an expression over the column.
Each word searched for is a stem looked for as the beginning of a stem, the words ANDed. The
words reach the database as one bound parameter built from letters and digits only, quoted, so
no input can change the query's syntax.
"""

import sqlalchemy as sa
from sqlalchemy import ColumnElement, func
from sqlalchemy.dialects.postgresql import TSQUERY

from systemfel.brister import domain
from systemfel.brister.models import Brist

# What the migration creates beside the models; the schema comparison leaves these alone.
FTS_TABLE = "brist_fts"
PG_INDEX = "ix_brist_search_stems"


def outside_search_index(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic's include_name: leave out the search index's tables (FTS5's shadow tables too)."""
    return name is None or not (name == PG_INDEX or name.startswith(FTS_TABLE))


def fts5_query(words: list[str]) -> str:
    """Return an FTS5 query: each word a quoted phrase matched as a prefix, all ANDed."""
    return " AND ".join('"{}"*'.format(word.replace('"', '""')) for word in words)


def tsquery(words: list[str]) -> str:
    """Return a tsquery in its text form: each word a quoted lexeme matched as a prefix."""
    quoted = (word.replace("\\", "\\\\").replace("'", "''") for word in words)
    return " & ".join(f"'{word}':*" for word in quoted)


def pg_vector() -> ColumnElement:
    """The indexed expression: the stems as lexemes, exactly as stored (no parser)."""
    return func.array_to_tsvector(
        func.string_to_array(Brist.search_stems, sa.literal_column("' '"))
    )


def matches(text: str, dialect: str) -> ColumnElement[bool] | None:
    """Return the condition that a brist holds every word of `text`; None for no text.

    Text with no letters or digits at all ("%", "-") finds nothing: there is nothing to find.
    """
    words = domain.search_query_words(text)
    if not words:
        return sa.false() if text.strip() else None
    if dialect == "postgresql":
        return pg_vector().op("@@")(sa.cast(sa.bindparam("search_words", tsquery(words)), TSQUERY))
    found = (
        sa.text(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :search_words")  # noqa: S608
        .bindparams(search_words=fts5_query(words))
        .columns(sa.column("rowid", sa.Integer))
    )
    return Brist.id.in_(found)
