"""One active process on any number of nodes: a lock that one process holds at a time.

PostgreSQL: a session-level advisory lock (`pg_try_advisory_lock`) on a connection of its
own, held for as long as the process is active. The server releases it the moment that
connection ends — the process exits or is killed, the database restarts, someone terminates
the backend — so a standby can take it; the holder checks that it still holds it (in
`pg_locks`, on that same connection) and stands down when it does not.

SQLite: an exclusive `flock()` on a file beside the database file. SQLite serves one machine
(its file must not be shared over a network), so every process that can write the database
sees the same lock; the kernel releases it the moment the process dies, and the database
gets no extra writes (a lease row would be written every few seconds by a process that does
nothing, and SQLite has one writer at a time).
"""

import contextlib
import fcntl
import logging
import os
import threading
from pathlib import Path
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

logger = logging.getLogger(__name__)

# Advisory lock keys; arbitrary, but fixed: every node must use the same. Below 2**31, so
# pg_locks shows them as classid 0, objid = key.
SCHEDULER_LOCK_KEY = 0x5F5C_0001
MIGRATIONS_LOCK_KEY = 0x5F5C_0002

# The lock's connection notices a vanished server within about half a minute even when no
# packet comes back (a network partition), instead of the operating system's two hours.
_KEEPALIVE = {
    "connect_timeout": 10,
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
    "tcp_user_timeout": 30_000,  # milliseconds
}

_HELD = sa.text(
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
    " AND pid = pg_backend_pid() AND classid = 0 AND objid::bigint = CAST(:key AS bigint)"
    " AND objsubid = 1"
)


class ProcessLock(Protocol):
    """A lock held by one process at a time, across processes and (on PostgreSQL) nodes."""

    def acquire(self) -> bool:
        """Take the lock if it is free; return whether this process holds it now."""
        ...

    def is_held(self) -> bool:
        """Does this process still hold the lock? False once it was lost."""
        ...

    def release(self) -> None:
        """Give the lock up (nothing happens if it was not held)."""
        ...


class AdvisoryLock:
    """A PostgreSQL session-level advisory lock on a connection held for the lock's life."""

    def __init__(self, url: str, key: int) -> None:
        self.key = key
        self.engine = sa.create_engine(url, poolclass=NullPool, connect_args=_KEEPALIVE)
        self.connection: sa.Connection | None = None
        # The scheduler's job threads ask is_held() while the main thread watches the lock.
        self._guard = threading.Lock()

    def acquire(self) -> bool:
        """Take the lock on a new connection; raise SQLAlchemyError when the server is away."""
        with self._guard:
            self._close()
            connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            try:
                taken = connection.scalar(
                    sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}
                )
            except SQLAlchemyError:
                connection.close()
                raise
            if taken:
                self.connection = connection
                return True
            connection.close()
            return False

    def is_held(self) -> bool:
        """Ask the server, on the lock's own connection; a broken connection holds nothing."""
        with self._guard:
            if self.connection is None:
                return False
            try:
                held = bool(self.connection.scalar(_HELD, {"key": self.key}))
            except SQLAlchemyError as error:
                logger.warning("The lock's database connection failed: %s", error)
                held = False
            if not held:
                self._close()
            return held

    def release(self) -> None:
        """Close the connection: the server lets the lock go with it."""
        with self._guard:
            self._close()

    def _close(self) -> None:
        if self.connection is not None:
            with contextlib.suppress(SQLAlchemyError):
                self.connection.close()
            self.connection = None


class FileLock:
    """An exclusive flock() on a file; the kernel lets it go when the process ends."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.descriptor: int | None = None

    def acquire(self) -> bool:
        """Take the lock if no other process has it."""
        if self.descriptor is not None:
            return True
        descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(descriptor)
            return False
        self.descriptor = descriptor
        return True

    def is_held(self) -> bool:
        """Held until released: nothing but this process can take a flock() away."""
        return self.descriptor is not None

    def release(self) -> None:
        """Close the file, which lets the lock go."""
        if self.descriptor is not None:
            os.close(self.descriptor)
            self.descriptor = None


class OnlyProcess:
    """An in-memory SQLite database: no other process can see it, so the lock is always free."""

    def __init__(self) -> None:
        self.held = False

    def acquire(self) -> bool:
        """Always taken."""
        self.held = True
        return True

    def is_held(self) -> bool:
        """Held since acquire()."""
        return self.held

    def release(self) -> None:
        """Nothing to let go."""
        self.held = False


def lock_for(database_url: str, key: int, name: str) -> ProcessLock:
    """The lock called `name` (key `key` on PostgreSQL) for the database at `database_url`."""
    url = sa.engine.make_url(database_url)
    if url.get_backend_name() == "postgresql":
        return AdvisoryLock(database_url, key)
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            return OnlyProcess()
        return FileLock(Path(f"{url.database}.{name}.lock"))
    raise ValueError(f"No process lock for {url.get_backend_name()} databases")


def scheduler_lock(database_url: str) -> ProcessLock:
    """The lock that makes one scheduler process the active one."""
    return lock_for(database_url, SCHEDULER_LOCK_KEY, "scheduler")
