"""Column types shared by all models (aware UTC datetimes, enums stored as text), row locks.

Also the count of rows an UPDATE or DELETE changed, which claims and sweeps read.
"""

from datetime import UTC, datetime
from enum import Enum
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator

from systemfel.extensions import db


def utcnow() -> datetime:
    """Return the current time, aware, in UTC (a callable for column defaults)."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite forgets)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        """Refuse naive datetimes; store UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        """Attach UTC to what SQLite returns naive."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def text_enum(enum_class: type[Enum]) -> sa.Enum:
    """Store an enum by its value in a plain string column, portable across databases."""
    return sa.Enum(
        enum_class,
        native_enum=False,
        length=32,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


def lock_row(model: Any, row_id: int) -> None:
    """Hold `model`'s row `row_id` until the transaction ends, changing nothing in it.

    The no-op UPDATE takes the row's lock on PostgreSQL and the write lock on SQLite (where
    SELECT ... FOR UPDATE does nothing), so of two transactions doing the same thing at once
    the second waits, then reads what the first committed.
    """
    db.session.execute(
        sa.update(model)
        .where(model.id == row_id)
        .values(id=model.id)
        .execution_options(synchronize_session=False)
    )


def rows_changed(statement: sa.Update | sa.Delete) -> int:
    """Run an UPDATE or DELETE in the session; return how many rows it changed.

    A DML statement always gives a CursorResult, whose rowcount a claim reads to learn whether
    it won; Session.execute is typed to return the plain Result, so it is narrowed here.
    """
    return cast(sa.CursorResult, db.session.execute(statement)).rowcount
