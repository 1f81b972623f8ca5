"""Persistence wiring: the eventsourcing event store over SQLAlchemy (SQLite or PostgreSQL).

The database is a SQLAlchemy URL. The store appends events (a version clash becomes
:class:`ConcurrencyConflict`), reads a stream back as the state its events leave
(:meth:`LedgerStore.state`), and reads the global log in order for verification.
:meth:`LedgerStore.open_existing` opens a database that must already hold a ledger, by
default read-only (:mod:`ledger.database`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import IntegrityError, StoredEvent

from ledger.database import read_only_url, recognise
from ledger.errors import ConcurrencyConflict, InvalidInput, NotFound
from ledger.events import LedgerEvent
from ledger.procedure import dispatch
from ledger.procedure.records import StreamState

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
        if read_only:  # the library would switch SQLite to WAL mode: a write
            self._app.recorder.datastore._tried_init_sqlite_wal_mode = True  # type: ignore[attr-defined]

    @classmethod
    def open_existing(cls, url: str, *, read_only: bool = True) -> LedgerStore:
        """A database that must already hold a ledger (:func:`ledger.database.recognise`)."""
        recognise(url)
        return cls(url, read_only=read_only)

    def append(self, events: Sequence[LedgerEvent]) -> list[SavedEvent]:
        """Append events in one transaction; another writer's event at a version wins."""
        try:
            recordings = self._app.events.put(list(events))
        except IntegrityError:
            streams = sorted({str(event.originator_id) for event in events})
            raise ConcurrencyConflict(
                f"stream {', '.join(streams)} was changed by another writer; reload and retry"
            ) from None
        return [
            SavedEvent(
                recording.domain_event.originator_id,
                recording.domain_event.originator_version,
                _ledger_event(recording.domain_event).event_hash,
                recording.notification.id,
            )
            for recording in recordings
        ]

    def events(
        self, stream: UUID, after: int = 0, upto: int | None = None
    ) -> Iterator[LedgerEvent]:
        """The stream's events with versions in (``after``, ``upto``], in order."""
        for event in self._app.events.get(stream, gt=after or None, lte=upto):
            yield _ledger_event(event)

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
        engine = getattr(recorder.datastore, "engine", None)
        if engine is not None:
            engine.dispose()


def _ledger_event(event: object) -> LedgerEvent:
    if not isinstance(event, LedgerEvent):
        raise NotFound(f"{type(event).__name__} is not a ledger event")
    return event
