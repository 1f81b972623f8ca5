"""One write transaction on the log, under the log's write lock (many writers, one order).

Every write to the log takes the same lock first, for the whole transaction: ``BEGIN
IMMEDIATE`` on SQLite (one writer at a time; the others wait), a transaction-level
advisory lock on PostgreSQL. On a SQLite file, writers first queue on an exclusive lock of
a file beside the database (``<file>-writer.lock``, ``flock``): the kernel wakes the next
writer the moment the lock is free, where SQLite's own busy handler would sleep and poll.
Under it a writer reads the log's head, brings its states up
to date, decides, inserts its events, appends their Merkle leaves and issues the
checkpoints that are due, and commits once: no other writer can slip an event in between,
so notification ids, leaf indices and checkpoint sizes follow one order, and a command's
event is saved together with its leaf or not at all.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from eventsourcing.persistence import StoredEvent
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ledger.clock import to_beijing
from ledger.errors import ConcurrencyConflict

try:
    import fcntl  # noqa: F401  (POSIX only)

    _FLOCK = True
except ImportError:  # pragma: no cover
    _FLOCK = False
ADVISORY_KEY = 6962  # the PostgreSQL advisory lock every writer of the log takes
BUSY_TIMEOUT_MS = 120_000  # how long a SQLite writer waits for the lock before failing


def lock_for_writing(connection: sa.Connection) -> None:
    """Take the log's write lock for the rest of ``connection``'s transaction.

    On SQLite this must be the transaction's first statement (it starts it as IMMEDIATE).
    """
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    elif connection.dialect.name == "postgresql":
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_KEY})


@dataclass(frozen=True)
class LogHead:
    """The last entry of the log when the lock was taken: notification id and event time."""

    notification_id: int
    time: datetime | None


class WriteTransaction:
    """The open transaction of one writer: what it reads and inserts goes through it."""

    def __init__(self, session: Session, recorder: Any, mapper: Any) -> None:
        self.session = session
        self.connection = session.connection()
        self._recorder = recorder
        self._mapper = mapper
        lock_for_writing(self.connection)

    @property
    def dialect(self) -> str:
        return str(self.connection.dialect.name)

    def head(self, known: LogHead | None = None) -> LogHead:
        """The log's last entry; ``known`` is reused if it is still the last one."""
        table = self._recorder.events_record_cls.__table__
        last = self.connection.execute(
            sa.select(table.c.id).order_by(table.c.id.desc()).limit(1)
        ).scalar()
        if last is None:
            return LogHead(0, None)
        if known is not None and known.notification_id == last:
            return known
        (record,) = self._recorder.select_notifications(int(last), 1)
        event = self._mapper.to_domain_event(record)
        return LogHead(int(last), to_beijing(event.timestamp))

    def insert(self, events: Sequence[Any]) -> list[int]:
        """Insert events (in this order); their notification ids. A version clash with
        an event already stored raises :class:`ConcurrencyConflict` (the caller rolls back)."""
        stored: list[StoredEvent] = [self._mapper.to_stored_event(event) for event in events]
        try:
            ids = self._recorder.insert_events(stored, session=self.session)
        except IntegrityError:
            streams = sorted({str(event.originator_id) for event in events})
            raise ConcurrencyConflict(
                f"stream {', '.join(streams)} was changed by another writer; reload and retry"
            ) from None
        return [int(notification_id) for notification_id in ids]


class WriterQueue:
    """An exclusive ``flock`` on a file beside a SQLite database: the queue of its writers."""

    def __init__(self, database: str) -> None:
        self.path = f"{database}-writer.lock"
        self._fd: int | None = None

    @classmethod
    def for_url(cls, url: str) -> WriterQueue | None:
        """The queue of a SQLite file; None for other databases (or where flock is missing)."""
        parsed = sa.make_url(url)
        database = parsed.database or ""
        if parsed.get_backend_name() != "sqlite" or database in ("", ":memory:") or not _FLOCK:
            return None
        if "mode=memory" in url:
            return None
        return cls(database)

    @contextmanager
    def held(self) -> Iterator[None]:
        import fcntl

        if self._fd is None:
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


@contextmanager
def write_transaction(
    recorder: Any, mapper: Any, queue: WriterQueue | None = None
) -> Iterator[WriteTransaction]:
    """A transaction of ``recorder`` holding the write lock; committed if no error."""
    with recorder.transaction(commit=True) as session:
        if queue is None:
            yield WriteTransaction(session, recorder, mapper)
        else:
            with queue.held():
                yield WriteTransaction(session, recorder, mapper)
