"""One write transaction on the log, under the log's write lock (many writers, one order).

Every write to the log takes the same lock first, for the whole transaction: ``BEGIN
IMMEDIATE`` on SQLite (one writer at a time; the others wait), a transaction-level
advisory lock on PostgreSQL. Under it a writer reads the log's head, brings its states up
to date, decides, inserts its events, appends their Merkle leaves and issues the
checkpoints that are due, and commits once: no other writer can slip an event in between,
so notification ids, leaf indices and checkpoint sizes follow one order, and a command's
event is saved together with its leaf or not at all.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from eventsourcing.persistence import StoredEvent
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ledger.clock import to_beijing
from ledger.errors import ConcurrencyConflict

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


@contextmanager
def write_transaction(recorder: Any, mapper: Any) -> Iterator[WriteTransaction]:
    """A transaction of ``recorder`` holding the write lock; committed if no error."""
    with recorder.transaction(commit=True) as session:
        yield WriteTransaction(session, recorder, mapper)


def stream_of(value: UUID | str) -> UUID:
    return value if isinstance(value, UUID) else UUID(value)
