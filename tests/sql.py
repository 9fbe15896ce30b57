"""Counting SQL statements, for tests that a page's count does not grow with the rows."""

from contextlib import contextmanager

from sqlalchemy import event

from systemfel.extensions import db


@contextmanager
def count_statements(app):
    """Count the SQL statements sent while the block runs."""
    counter = {"n": 0}

    def count(*_args):
        counter["n"] += 1

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", count)
