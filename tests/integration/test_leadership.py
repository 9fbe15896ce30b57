"""The scheduler lock on the suite's database: one holder at a time, lost with its connection.

Two lock objects stand for two processes: on PostgreSQL each has a connection of its own,
on SQLite each its own open file (flock() locks belong to the open file, not the process).
"""

import pytest
import sqlalchemy as sa

from systemfel import leadership
from systemfel.extensions import db


@pytest.fixture
def locks(app):
    made = [leadership.scheduler_lock(app.config["DATABASE_URL"]) for _ in range(2)]
    yield made
    for lock in made:
        lock.release()


def test_one_holder_at_a_time_and_the_next_after_a_release(locks):
    first, second = locks
    assert first.acquire()
    assert not second.acquire()
    assert first.is_held() and not second.is_held()
    assert not second.acquire()  # trying again changes nothing while it is held
    first.release()
    assert not first.is_held()
    assert second.acquire()
    assert not first.acquire()


def test_a_lock_whose_connection_is_cut_is_not_held_and_can_be_taken(app, ctx, locks):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("only PostgreSQL's lock lives on a connection that can be cut")
    first, second = locks
    assert first.acquire()
    assert isinstance(first, leadership.AdvisoryLock) and first.connection is not None
    pid = first.connection.scalar(sa.text("SELECT pg_backend_pid()"))
    db.session.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    db.session.commit()
    assert not first.is_held()
    assert second.acquire()
    assert not first.acquire()


def test_a_sqlite_lock_file_sits_beside_the_database(tmp_path):
    lock = leadership.scheduler_lock(f"sqlite:///{tmp_path / 'systemfel.db'}")
    assert isinstance(lock, leadership.FileLock)
    assert lock.path == tmp_path / "systemfel.db.scheduler.lock"
    assert isinstance(leadership.scheduler_lock("sqlite:///:memory:"), leadership.OnlyProcess)
