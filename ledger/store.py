"""Persistence wiring: the eventsourcing event store over SQLAlchemy (SQLite or PostgreSQL).

The database is a SQLAlchemy URL. Every write goes through :meth:`LedgerStore.writing`,
one transaction under the log's write lock (``ledger.writes``); :meth:`append` is the
plain case (a version clash becomes :class:`ConcurrencyConflict`). The store reads a
stream back as the state its events leave (:meth:`LedgerStore.state`), and reads the
global log in order for verification. :meth:`LedgerStore.open_existing` opens a database
that must already hold a ledger, by default read-only (:mod:`ledger.database`).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar
from uuid import UUID

import sqlalchemy as sa
from eventsourcing.application import Application
from eventsourcing.persistence import OperationalError, StoredEvent

from ledger.database import read_only_url, recognise
from ledger.errors import InvalidInput, NotFound
from ledger.events import LedgerEvent
from ledger.procedure import dispatch
from ledger.procedure.records import StreamState
from ledger.writes import WriterQueue, WriteTransaction, write_transaction

DEFAULT_URL = "sqlite:///bidledger.db"
S = TypeVar("S", bound=StreamState)


@dataclass(frozen=True)
class SavedEvent:
    """Where an event landed: its stream, version, hash and global log index."""

    stream: UUID
    version: int
    event_hash: str
    log_index: int


class LedgerStore:
    """The event store of one database."""

    def __init__(self, url: str = DEFAULT_URL, *, read_only: bool = False) -> None:
        """``read_only``: every connection refuses to write, and no table is created."""
        if "://" not in url:
            raise InvalidInput(f"database must be a SQLAlchemy URL, got {url!r}")
        self.read_only = read_only
        self.url = read_only_url(url) if read_only else url
        env = {"PERSISTENCE_MODULE": "eventsourcing_sqlalchemy", "SQLALCHEMY_URL": self.url}
        if read_only:
            env["CREATE_TABLE"] = "no"
        self._app: Application[UUID] = Application(env=env)
        recorder: Any = self._app.recorder
        self._recorder = recorder
        if read_only:  # the library would switch SQLite to WAL mode: a write
            recorder.datastore._tried_init_sqlite_wal_mode = True
            self._queue: WriterQueue | None = None
        else:
            self._queue = WriterQueue.for_url(url)
            _start_wal(recorder.datastore)

    @classmethod
    def open_existing(cls, url: str, *, read_only: bool = True) -> LedgerStore:
        """A database that must already hold a ledger (:func:`ledger.database.recognise`)."""
        recognise(url)
        return cls(url, read_only=read_only)

    @property
    def engine(self) -> sa.Engine:
        """The SQLAlchemy engine the event store writes with."""
        engine = self._recorder.datastore.engine
        if not isinstance(engine, sa.Engine):
            raise InvalidInput(f"the event store of {self.url} has no engine")
        return engine

    @property
    def events_table(self) -> sa.Table:
        """The table of stored events (the library's notification log)."""
        table: sa.Table = self._recorder.events_record_cls.__table__
        return table

    def rows(self, start: int = 1, batch: int = 1000) -> Iterator[tuple[Any, ...]]:
        """Every stored record from notification id ``start`` in log order, as plain rows
        (id, stream, version, topic, state), read in batches; no decoding."""
        table = self.events_table
        columns = (table.c.id, table.c.originator_id, table.c.originator_version, table.c.topic)
        while True:
            query = (
                sa.select(*columns, table.c.state)
                .where(table.c.id >= start)
                .order_by(table.c.id)
                .limit(batch)
            )
            with self.engine.connect() as connection:
                found = connection.execute(query).all()
            for row in found:
                yield (row[0], row[1], row[2], row[3], _as_bytes(row[4]))
            if len(found) < batch:
                return
            start = found[-1][0] + 1

    @contextmanager
    def writing(self) -> Iterator[WriteTransaction]:
        """One transaction under the log's write lock; committed when the block ends."""
        with write_transaction(self._recorder, self._app.mapper, self._queue) as transaction:
            yield transaction

    def append(self, events: Sequence[LedgerEvent]) -> list[SavedEvent]:
        """Append events in one transaction; another writer's event at a version wins."""
        with self.writing() as transaction:
            ids = transaction.insert(events)
        return [
            SavedEvent(event.originator_id, event.originator_version, event.event_hash, number)
            for event, number in zip(events, ids, strict=True)
        ]

    def events(
        self, stream: UUID, after: int = 0, upto: int | None = None
    ) -> Iterator[LedgerEvent]:
        """The stream's events with versions in (``after``, ``upto``], in order: one plain
        select in the library's transaction (the open write's, if any), each record decoded
        by the library's mapper."""
        table = self.events_table
        version = table.c.originator_version
        query = sa.select(table.c.originator_id, version, table.c.topic, table.c.state)
        query = query.where(table.c.originator_id == stream)
        if after:
            query = query.where(version > after)
        if upto is not None:
            query = query.where(version <= upto)
        with self._recorder.transaction(commit=False) as session:  # a write's own, if open
            found = session.execute(query.order_by(version)).all()
        for row in found:
            stored = StoredEvent(
                originator_id=row[0],
                originator_version=row[1],
                topic=row[2],
                state=_as_bytes(row[3]),
            )
            yield _ledger_event(self.decode(stored))

    def state(self, kind: type[S], stream: UUID, version: int | None = None) -> S:
        """The state the stream's events (up to ``version``) leave; NotFound if none."""
        state: StreamState | None = None
        for event in self.events(stream, upto=version):
            state = dispatch.apply(state, event.record())
        if state is None:
            raise NotFound(f"no {kind.__name__.removesuffix('State').lower()} with id {stream}")
        if not isinstance(state, kind):
            raise NotFound(f"{stream} is not a {kind.__name__}")
        if version is not None and state.version != version:
            raise NotFound(f"no {kind.__name__} {stream} v{version}")
        return state

    def positions(self, stream: UUID) -> list[int]:
        """The log indices (notification ids) of a stream's events, in order."""
        table = self.events_table
        query = sa.select(table.c.id).where(table.c.originator_id == stream).order_by(table.c.id)
        with self.engine.connect() as connection:
            return [int(found) for found in connection.execute(query).scalars()]

    def exists(self, stream: UUID) -> bool:
        return bool(self._app.recorder.select_events(stream, limit=1))

    def version_of(self, stream: UUID) -> int:
        """The stream's last version; 0 if it has no events."""
        last = self._app.recorder.select_events(stream, desc=True, limit=1)
        return last[0].originator_version if last else 0

    def event_at(self, stream: UUID, version: int) -> LedgerEvent:
        """One stored event, decoded."""
        events = list(self.events(stream, after=version - 1, upto=version))
        if not events:
            raise NotFound(f"no event {stream} v{version}")
        return events[0]

    def log(self, start: int = 1, batch: int = 500) -> Iterator[Any]:
        """Every stored notification in global order, raw (for verification)."""
        while True:
            notifications = self._app.recorder.select_notifications(start, batch)
            if not notifications:
                return
            yield from notifications
            start = notifications[-1].id + 1

    def last_event(self) -> LedgerEvent | None:
        """The event at the end of the global log; None for an empty log."""
        head = self.head()
        if head == 0:
            return None
        (last,) = self._app.recorder.select_notifications(head, 1)
        return _ledger_event(self.decode(last))

    def head(self) -> int:
        """The last log index (notification id) stored; 0 for an empty log."""
        return int(self._app.recorder.max_notification_id() or 0)

    def decode(self, stored: StoredEvent) -> Any:
        """Turn a stored record into its domain event (may raise on damaged data)."""
        return self._app.mapper.to_domain_event(stored)

    def encode(self, event: LedgerEvent) -> StoredEvent:
        """The stored record of ``event``: exactly what the store writes for it."""
        return self._app.mapper.to_stored_event(event)

    def log_index_of(self, stream: UUID, version: int) -> int:
        """The global log index (notification id) of one stored event."""
        recorder: Any = self._app.recorder
        record_class = recorder.events_record_cls
        with recorder.transaction(commit=False) as session:
            found = (
                session.query(record_class.id)
                .filter(record_class.originator_id == stream)
                .filter(record_class.originator_version == version)
                .scalar()
            )
        if found is None:
            raise NotFound(f"no event {stream} v{version}")
        return int(found)

    def close(self) -> None:
        """Close every connection (on SQLite this folds the write-ahead log into the file)."""
        recorder: Any = self._app.recorder
        self._app.close()
        if self._queue is not None:
            self._queue.close()
        engine = getattr(recorder.datastore, "engine", None)
        if engine is not None:
            engine.dispose()


def _start_wal(datastore: Any) -> None:
    """Switch a SQLite file to write-ahead logging now (the library does it lazily, where
    another writer's lock can make it fail); retried while another process holds a lock."""
    for _ in range(200):
        try:
            datastore.init_sqlite_wal_mode()
            return
        except (OperationalError, sa.exc.OperationalError):
            datastore._tried_init_sqlite_wal_mode = False
            time.sleep(0.05)
    datastore.init_sqlite_wal_mode()


def _as_bytes(state: Any) -> Any:
    """A stored state as bytes; a value of another type (a state rewritten as text by hand)
    is left for the reader to name as undecodable at its own place in the log."""
    return bytes(state) if isinstance(state, bytes | bytearray | memoryview) else state


def _ledger_event(event: object) -> LedgerEvent:
    if not isinstance(event, LedgerEvent):
        raise NotFound(f"{type(event).__name__} is not a ledger event")
    return event
