"""Free-text search in brister: the index's condition on SQLite (FTS5) and PostgreSQL (GIN).

Both databases index the same thing, `Brist.search_stems`: the Swedish stems of the number,
title and description (`domain.search_stems`), written by the services. SQLite keeps the
FTS5 table `brist_fts` (the stems and the brist's verksamhet) in step with triggers;
PostgreSQL keeps a generated tsvector column, `search_vector`, with a GIN index. Each word
searched for is a stem looked for as the beginning of a stem (a one-letter word as a whole
word), the words ANDed. The words reach the database as one bound parameter built from
letters and digits only, quoted, so no input can change the query's syntax.
"""

from collections.abc import Set

import sqlalchemy as sa
from sqlalchemy import ColumnElement
from sqlalchemy.dialects.postgresql import TSQUERY, TSVECTOR

from systemfel.brister import domain
from systemfel.brister.models import Brist
from systemfel.extensions import db

# What the migration creates beside the models; the schema comparison leaves these alone.
FTS_TABLE = "brist_fts"
PG_COLUMN = "search_vector"
PG_INDEX = "ix_brist_search_vector"
# PostgreSQL's generated column, which the models leave out (SQLite has no such column).
_vector = sa.literal_column(f"{Brist.__tablename__}.{PG_COLUMN}", TSVECTOR)
# Up to this many verksamheter, SQLite's index is asked for their brister only.
MAX_NARROWED_VERKSAMHETER = 20
# Beyond this many hits over the whole country, SQLite reads brist in the list's order and
# keeps the hits (a common word fills a page within a few hundred rows) instead of fetching
# and sorting every hit. Measured at national scale: fetching and sorting costs about as much
# as reading the whole index in order near 10,000 hits (and the list counts at most 10,001).
MANY_HITS = 10_000


def outside_search_index(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic's include_name: leave out the search index (FTS5's shadow tables too)."""
    if name is None:
        return True
    if type_ == "column":
        return name != PG_COLUMN
    return not (name == PG_INDEX or name.startswith(FTS_TABLE))


def _fts5_term(word: str) -> str:
    quoted = '"{}"'.format(word.replace('"', '""'))
    return f"{quoted}*" if domain.is_prefix_search(word) else quoted


def fts5_query(words: list[str], verksamhet_ids: Set[int] | None = None) -> str:
    """Return an FTS5 query: each word a quoted phrase in the stems, all ANDed."""
    query = " AND ".join(f"search_stems : {_fts5_term(word)}" for word in words)
    if verksamhet_ids:
        within = " OR ".join(f'verksamhet_id : "{int(v)}"' for v in sorted(verksamhet_ids))
        query += f" AND ({within})"
    return query


def tsquery(words: list[str]) -> str:
    """Return a tsquery in its text form: each word a quoted lexeme, all ANDed."""
    terms = []
    for word in words:
        quoted = "'{}'".format(word.replace("\\", "\\\\").replace("'", "''"))
        terms.append(f"{quoted}:*" if domain.is_prefix_search(word) else quoted)
    return " & ".join(terms)


def matches(text: str, verksamhet_ids: Set[int] | None) -> ColumnElement[bool] | None:
    """Return the condition that a brist holds every word of `text`; None for no text.

    `verksamhet_ids` are the only verksamheter whose brister can match (None: any); the
    caller filters by them as well. Text with no letters or digits ("%", "-") finds nothing.
    """
    words = domain.search_query_words(text)
    if not words:
        return sa.false() if text.strip() else None
    if db.session.get_bind().dialect.name == "postgresql":
        terms = sa.bindparam("search_words", tsquery(words), type_=sa.String)
        return _vector.op("@@")(sa.cast(terms, TSQUERY))
    if verksamhet_ids is not None and len(verksamhet_ids) > MAX_NARROWED_VERKSAMHETER:
        verksamhet_ids = None
    fts = fts5_query(words, verksamhet_ids)
    found = (
        sa.text(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :search_words")  # noqa: S608
        .bindparams(search_words=fts)
        .columns(sa.column("rowid", sa.Integer))
    )
    if verksamhet_ids is None and _hits_at_least(fts, MANY_HITS):
        # "id + 0": not a key lookup per hit, but a check of each row read in index order.
        return (Brist.id + 0).in_(found)
    return Brist.id.in_(found)  # within a few verksamheter: their hits only, looked up by id


def _hits_at_least(fts: str, count: int) -> bool:
    """Does the FTS5 query match at least `count` brister? Reads no more than that many."""
    counted = db.session.execute(
        sa.text(
            f"SELECT count(*) FROM (SELECT rowid FROM {FTS_TABLE} "  # noqa: S608
            f"WHERE {FTS_TABLE} MATCH :search_words LIMIT :count)"
        ),
        {"search_words": fts, "count": count},
    ).scalar_one()
    return counted >= count
